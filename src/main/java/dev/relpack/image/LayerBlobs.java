package dev.relpack.image;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CacheCorruptedException;
import com.google.cloud.tools.jib.cache.CachedLayer;
import com.google.common.collect.ImmutableList; // the type jib's cache takes
import dev.relpack.io.Parallel;
import dev.relpack.publish.BuildListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * relpack's layers of an image as compressed blobs, without building the image: each taken from
 * jib's cache, where jib itself would take it, or compressed into that cache ({@link
 * LayerWriter}) when it is not there. So each blob is byte for byte the one a build with jib
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
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      if (!layers.get(i).getEntries().isEmpty() && !intact.containsKey(layers.get(i).getName())) {
        missing.add(i);
      }
    }
    Map<Integer, CachedLayer> written = compress(layers, missing, application, trust, listener);
    List<Blob> blobs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).getEntries().isEmpty()) {
        continue;
      }
      CachedLayer layer = written.containsKey(i) ? written.get(i)
          : intact.get(layers.get(i).getName());
      if (written.containsKey(i)) {
        layerCache.claimWritten(layers.get(i), layer);
      }
      blobs.add(new Blob(layers.get(i).getName(), layer.getDigest().toString(), layer.getSize(),
          layer.getDiffId().toString(), application.resolve("layers")
              .resolve(layer.getDigest().getHash()).resolve(layer.getDiffId().getHash()),
          written.containsKey(i), spec.layers().get(i).contentBytes()));
    }
    return blobs;
  }

  /**
   * Compresses the layers of {@code spec} with files that jib's cache lacks (by jib's own
   * lookup) into it, on every core, before jib runs: jib then takes them as cached and pushes
   * them, and never compresses relpack's layers itself (its level is not relpack's,
   * {@link LayerGzip}, and its tar writer hashes each file on its own as it writes it,
   * {@link LayerTar}).
   *
   * @param cacheRoot the build's cache directory
   * @return the digests of the layers compressed, by name
   * @throws IOException when the cache cannot be read or written
   */
  public static Map<String, String> compressMissing(ImageSpec spec, Path cacheRoot,
      LayerTrust trust, BuildListener listener) throws IOException {
    Path application = JibImageBuilder.applicationCache(cacheRoot);
    List<FileEntriesLayer> layers =
        spec.layers().stream().map(JibImageBuilder::fileEntries).toList();
    Cache cache = LayerCache.cache(application);
    boolean empty = !Files.isDirectory(application.resolve("layers"));
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      if (!layers.get(i).getEntries().isEmpty() && (empty || !cached(cache, layers.get(i)))) {
        missing.add(i);
      }
    }
    LayerCache layerCache = new LayerCache(application, JibImageBuilder.baseCache(cacheRoot),
        cacheRoot.resolve("tmp"), trust, listener);
    Map<String, String> compressed = new LinkedHashMap<>();
    for (Map.Entry<Integer, CachedLayer> written
        : compress(layers, missing, application, trust, listener).entrySet()) {
      FileEntriesLayer layer = layers.get(written.getKey());
      layerCache.claimWritten(layer, written.getValue());
      compressed.put(layer.getName(), written.getValue().getDigest().toString());
    }
    return compressed;
  }

  private static boolean cached(Cache cache, FileEntriesLayer layer) throws IOException {
    try {
      return cache.retrieve(ImmutableList.copyOf(layer.getEntries())).isPresent();
    } catch (CacheCorruptedException e) {
      return false; // compressed again: the selector then names the blob written here
    }
  }

  /** Compresses {@code layers} at the positions {@code missing} into jib's cache, one a core. */
  private static Map<Integer, CachedLayer> compress(List<FileEntriesLayer> layers,
      List<Integer> missing, Path application, LayerTrust trust, BuildListener listener)
      throws IOException {
    Map<Integer, CachedLayer> written = new TreeMap<>();
    if (missing.size() <= 1) {
      for (int i : missing) {
        written.put(i, LayerWriter.write(application, layers.get(i), listener, trust.seals()));
      }
      return written;
    }
    List<Callable<CachedLayer>> tasks = missing.stream().<Callable<CachedLayer>>map(i -> () ->
        LayerWriter.write(application, layers.get(i), listener, trust.seals())).toList();
    try {
      List<CachedLayer> results = Parallel.all(tasks,
          Math.min(missing.size(), Runtime.getRuntime().availableProcessors()), "relpack-compress");
      for (int at = 0; at < missing.size(); at++) {
        written.put(missing.get(at), results.get(at));
      }
      return written;
    } catch (Parallel.TaskFailed e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while compressing layers", e);
    }
  }
}
