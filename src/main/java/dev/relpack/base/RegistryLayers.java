package dev.relpack.base;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CacheCorruptedException;
import com.google.cloud.tools.jib.cache.CachedLayer;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.DigestVerifyingInputStream;
import dev.relpack.io.FileTrees;
import dev.relpack.io.ReadThroughInputStream;
import dev.relpack.io.Sha256;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The layers of a registry base, read through jib's own base-layer cache, so that a layer is
 * downloaded once per build (and once per cache): the check downloads it into the cache with
 * jib's {@link Cache#writeCompressedLayer}, and jib, which looks in that cache before it pulls a
 * base layer ({@code ObtainBaseImageLayerStep}: after asking whether the target registry has the
 * blob already, when it needs nothing of it), finds it there. jib 0.28.1 reads only gzip base
 * layers, so only those are accepted.
 *
 * <p>The cache is not trusted (other jobs may write it): an entry found there is hashed before it
 * is used, and one that does not match is removed and downloaded again; a download is checked
 * against its digest as it arrives, and one that does not match leaves nothing in the cache.
 */
public final class RegistryLayers {
  private static final List<String> GZIP_LAYERS =
      List.of(MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP);

  private final RegistryReader registry;
  private final Path jibBaseCache;

  /** @param cacheRoot relpack's versioned cache root; jib's base-layer cache is in it */
  public RegistryLayers(RegistryReader registry, Path cacheRoot) {
    this.registry = registry;
    this.jibBaseCache = cacheRoot.resolve("jib/base");
  }

  /** The files of {@code image} (pinned by the caller) for the build's architecture. */
  BaseFiles files(ImageReference image, BaseContext context) {
    return files(image, context.credentials().credential(image, context.log()),
        context.architecture());
  }

  /**
   * The files of {@code image}, for linux/{@code architecture} when it is an index. Only its
   * manifests and config are read here; each layer is downloaded when it is first opened.
   */
  public BaseFiles files(ImageReference image, Optional<Credential> credential,
      String architecture) {
    RegistryReader.PlatformImage chosen = registry.image(image, credential, architecture);
    List<BaseLayer> layers = new ArrayList<>();
    for (RegistryReader.Descriptor layer : chosen.layers()) {
      if (!GZIP_LAYERS.contains(layer.mediaType())) {
        throw new BadInputException("base " + image + ": layer " + layer.digest() + " is "
            + (layer.mediaType().isEmpty() ? "of no media type" : layer.mediaType())
            + "; jib, which relpack builds with, reads only gzip-compressed base layers");
      }
      layers.add(new BaseLayer(layer.digest(), () -> open(image, credential, layer)));
    }
    return new BaseFiles(layers, chosen.env());
  }

  /** The layer, uncompressed: from jib's cache when it holds it intact, else downloaded into it. */
  private InputStream open(ImageReference image, Optional<Credential> credential,
      RegistryReader.Descriptor layer) throws IOException {
    DescriptorDigest digest = digest(layer);
    Optional<Path> found = cached(cache(), digest);
    if (found.isEmpty()) {
      return download(image, credential, layer, digest);
    }
    Path file = found.get();
    InputStream checked = new DigestVerifyingInputStream(Files.newInputStream(file),
        layer.digest(), actual -> {
          removeQuietly(file.getParent());
          return new InternalException("cache entry " + file.getParent() + " changed while it"
              + " was read (its content is now " + actual + "); removed it, run the build again",
              null);
        });
    return LayerStreams.uncompressed(checked, layer.digest());
  }

  /**
   * Downloads the layer into a staging directory beside jib's layout (checked against its digest
   * as it arrives) and reads it back uncompressed from the file it was written to, opened before
   * the entry is put where others (the cache is shared) could change it. The uncompressed digest
   * that names jib's entry is taken on that read, so the blob is hashed once and inflated once
   * here; jib's own writer hashed it twice more and inflated it again. Closing the stream puts
   * the entry in jib's layout, where jib finds it instead of downloading the layer again.
   */
  private InputStream download(ImageReference image, Optional<Credential> credential,
      RegistryReader.Descriptor layer, DescriptorDigest digest) throws IOException {
    Path staging = jibBaseCache.resolve("tmp").resolve("pull-" + UUID.randomUUID());
    Files.createDirectories(staging);
    try {
      Path blob = staging.resolve("blob");
      registry.blob(image, credential, layer, body -> Files.copy(body, blob));
      MessageDigest diffId = Sha256.newDigest();
      InputStream tar = new DigestInputStream(
          LayerStreams.uncompressed(Files.newInputStream(blob), layer.digest()), diffId);
      return new Storing(tar, diffId, staging, blob, layerDirectory(digest));
    } catch (IOException | RuntimeException e) {
      deleteQuietly(staging);
      throw e;
    }
  }

  /**
   * A downloaded layer's tar, put in jib's layout when it is closed after being read to its end.
   * One closed before (its reader failed) is not stored: reading the rest to name it could mean
   * inflating a hostile blob without the reader's limits. Skipped bytes are read through, so
   * every byte reaches the diff ID.
   */
  private static final class Storing extends ReadThroughInputStream {
    private final MessageDigest diffId;
    private final Path staging;
    private final Path blob;
    private final Path entry;
    private boolean ended;
    private boolean closed;

    Storing(InputStream tar, MessageDigest diffId, Path staging, Path blob, Path entry) {
      super(tar);
      this.diffId = diffId;
      this.staging = staging;
      this.blob = blob;
      this.entry = entry;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      ended |= b < 0;
      return b;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      int n = in.read(bytes, offset, length);
      ended |= n < 0;
      return n;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (!ended) {
          return;
        }
        Files.move(blob, staging.resolve(HexFormat.of().formatHex(diffId.digest())));
        Files.createDirectories(entry.getParent());
        Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // another build stored the same blob first
      } catch (IOException e) {
        // a blob that does not inflate is not stored; jib reports it if it needs the layer
      } finally {
        super.close();
        deleteQuietly(staging); // gone once moved
      }
    }
  }

  private static void deleteQuietly(Path staging) {
    try {
      if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
        FileTrees.deleteRecursively(staging);
      }
    } catch (IOException e) {
      // a leftover in jib's staging directory costs disk space, not correctness
    }
  }

  /** The cache's file for {@code digest} when it has one whose content has that digest. */
  private Optional<Path> cached(Cache cache, DescriptorDigest digest) throws IOException {
    Optional<CachedLayer> cached;
    try {
      cached = cache.retrieve(digest);
    } catch (CacheCorruptedException e) {
      cached = Optional.empty(); // no file, or several: jib's own verdict
    }
    Path directory = layerDirectory(digest);
    if (cached.isPresent()) {
      Path file = directory.resolve(cached.get().getDiffId().getHash());
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          && Sha256.of(file).equals(digest.getHash())) {
        return Optional.of(file);
      }
    }
    if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      remove(directory); // corrupt or changed: jib would use it as it is
    }
    return Optional.empty();
  }

  /** jib's layout ({@code CacheStorageFiles}): {@code layers/DIGEST/DIFF_ID}. */
  private Path layerDirectory(DescriptorDigest digest) {
    return jibBaseCache.resolve("layers").resolve(digest.getHash());
  }

  private Cache cache() throws IOException {
    try {
      return Cache.withDirectory(jibBaseCache);
    } catch (com.google.cloud.tools.jib.api.CacheDirectoryCreationException e) {
      throw new IOException("cannot use jib's cache " + jibBaseCache, e);
    }
  }

  /** Takes an entry out of use at once (a rename within the cache), then deletes it. */
  private void remove(Path entry) throws IOException {
    Path staging = jibBaseCache.resolve("tmp");
    Files.createDirectories(staging);
    Path aside = staging.resolve("evicted-" + UUID.randomUUID());
    try {
      Files.move(entry, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return; // another build removed it first
    }
    FileTrees.deleteRecursively(aside);
  }

  private void removeQuietly(Path entry) {
    try {
      remove(entry);
    } catch (IOException e) {
      // the error being reported says more than this one
    }
  }

  private static DescriptorDigest digest(RegistryReader.Descriptor layer) {
    try {
      return DescriptorDigest.fromDigest(layer.digest());
    } catch (DigestException e) {
      throw new InternalException("the registry reader let through digest " + layer.digest(), e);
    }
  }
}
