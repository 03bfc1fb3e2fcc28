package dev.relpack.image;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CachedLayer;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList; // the type jib's layer builder and cache take
import dev.relpack.publish.BuildListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * relpack's layers of an image as compressed blobs, without building the image: each taken from
 * jib's cache, where jib itself would take it, or compressed into that cache with jib's own tar
 * writer and compressor when it is not there. So each blob is byte for byte the one a jib build
 * pushes for that layer, and a jib build after this one finds it cached. Entries are checked
 * against their digests first, as before a jib push ({@link LayerCache#intact}).
 */
public final class LayerBlobs {
  private LayerBlobs() {}

  /**
   * A layer's blob.
   *
   * @param file the compressed blob in jib's cache
   * @param built whether it was compressed by this call (else the cache held it)
   * @param contentBytes the bytes of the files in it
   */
  public record Blob(String name, String digest, long size, String diffId, Path file,
      boolean built, long contentBytes) {}

  /**
   * The blobs of {@code spec}'s layers that have files, bottom first: jib puts no layer in the
   * image for one without.
   *
   * @param cacheRoot the build's cache directory
   * @param verified the blob digests, by layer name, this build put in the cache after checking
   *     them ({@code LayerReuse}): not hashed again
   * @param trust how cache entries found intact looked then, and which lookups were found true
   * @throws IOException when the cache cannot be read or written
   */
  public static List<Blob> of(ImageSpec spec, Path cacheRoot, Map<String, String> verified,
      LayerTrust trust, BuildListener listener) throws IOException {
    Path application = JibImageBuilder.applicationCache(cacheRoot);
    List<FileEntriesLayer> layers =
        spec.layers().stream().map(JibImageBuilder::fileEntries).toList();
    LayerCache layerCache = new LayerCache(application, JibImageBuilder.baseCache(cacheRoot),
        cacheRoot.resolve("tmp"), trust, listener);
    // the blobs are taken as they are, never through jib's selectors
    Map<String, CachedLayer> intact = layerCache.intactBlobs(layers, verified);
    Cache cache = LayerCache.cache(application);
    List<Blob> blobs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).getEntries().isEmpty()) {
        continue;
      }
      ImmutableList<FileEntry> entries = ImmutableList.copyOf(layers.get(i).getEntries());
      Optional<CachedLayer> cached = Optional.ofNullable(intact.get(layers.get(i).getName()));
      CachedLayer layer = cached.isPresent() ? cached.get()
          : cache.writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries);
      if (cached.isEmpty()) {
        layerCache.claimWritten(layers.get(i), layer);
      }
      blobs.add(new Blob(layers.get(i).getName(), layer.getDigest().toString(), layer.getSize(),
          layer.getDiffId().toString(), application.resolve("layers")
              .resolve(layer.getDigest().getHash()).resolve(layer.getDiffId().getHash()),
          cached.isEmpty(), spec.layers().get(i).contentBytes()));
    }
    return blobs;
  }
}
