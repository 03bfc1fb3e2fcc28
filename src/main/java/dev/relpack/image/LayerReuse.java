package dev.relpack.image;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CacheCorruptedException;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList; // the type jib's layer builder and cache take
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.error.BadInputException;
import dev.relpack.error.RelpackException;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.FileTrees;
import dev.relpack.publish.BuildListener;
import dev.relpack.registry.RegistryReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;

/**
 * Takes relpack's layers from an image built before ({@code --cache-from}) instead of compressing
 * them again: what a CI job with no cache of its own needs, when the registry holds the image of
 * the previous pipeline.
 *
 * <p>For each layer jib's cache lacks, the layer's uncompressed digest (its diff ID) is computed
 * with jib's own layer writer, without compressing. A layer of the previous image with that diff
 * ID, made by this same relpack line (its history entry says so: the same tar writer and the same
 * compressor, so the same compressed bytes), has its blob fetched, checked against its digest and
 * against the diff ID by decompressing it, and put in jib's cache where jib looks for this layer.
 * jib then takes it as cached: nothing compressed, and at a registry that has the blob (the
 * previous image's own repository), nothing uploaded. The image is the same, byte for byte, as
 * one whose layers were all compressed here. Anything else (another tool or version, another
 * compression, a missing or wrong blob) leaves the layer to jib, which compresses it.
 *
 * <p>jib's cache layout, as {@link LayerCache} describes it: {@code layers/DIGEST/DIFF_ID} holds
 * the blob, {@code selectors/SELECTOR} the digest of the layer whose entries give that selector.
 */
public final class LayerReuse {
  private static final int THREADS = 2;

  private final Path application;
  private final RegistryReader registry;
  private final RegistryCredentials credentials;
  private final String createdBy;
  private final BuildListener listener;

  /**
   * @param cacheRoot the build's cache directory (jib's caches are inside it)
   * @param toolVersion the release line relpack's history entries record: only layers made by
   *     this line are taken
   */
  public LayerReuse(Path cacheRoot, String toolVersion, RegistryReader registry,
      RegistryCredentials credentials, BuildListener listener) {
    this.application = JibImageBuilder.applicationCache(cacheRoot);
    this.registry = registry;
    this.credentials = credentials;
    this.createdBy = JibImageBuilder.TOOL_NAME + ":" + toolVersion;
    this.listener = listener;
  }

  /**
   * An image to take layers from.
   *
   * @param named whether the user named it: if it does not exist, that is worth a warning;
   *     a default one (in a GitLab CI job) may well not exist yet
   */
  public record Source(ImageReference image, boolean named) {}

  /**
   * What was taken.
   *
   * @param from the image the layers were taken from, when one was read
   * @param layers the names of the layers taken, bottom first
   * @param fetchedBytes the bytes of the blobs fetched to take them
   */
  public record Outcome(Optional<ImageReference> from, List<String> layers, long fetchedBytes) {
    public Outcome {
      layers = List.copyOf(layers);
    }

    static Outcome none() {
      return new Outcome(Optional.empty(), List.of(), 0);
    }
  }

  /**
   * Fills jib's cache with the layers of {@code spec} that the first existing image of
   * {@code sources} has, as far as they are missing from the cache. Never fails the build: what
   * cannot be taken is compressed as usual, and why is said with -v.
   */
  public Outcome reuse(ImageSpec spec, List<Source> sources) {
    if (sources.isEmpty()) {
      return Outcome.none();
    }
    try {
      List<FileEntriesLayer> missing = missing(spec);
      if (missing.isEmpty()) {
        listener.debug("every layer is in the cache: no image to take layers from is read");
        return Outcome.none();
      }
      Optional<Read> previous = firstExisting(sources, spec.architecture());
      if (previous.isEmpty()) {
        return Outcome.none();
      }
      return take(missing, previous.get());
    } catch (IOException | RelpackException e) {
      // a failed request or a full disk: the layers are compressed as if nothing was reused
      listener.debug("cannot take layers from an earlier image: " + e.getMessage()
          + "; compressing them");
      return Outcome.none();
    }
  }

  /** An image read, and the credential it was read with. */
  private record Read(ImageReference image, Optional<Credential> credential,
      RegistryReader.BuiltImage built) {}

  private List<FileEntriesLayer> missing(ImageSpec spec) throws IOException {
    List<FileEntriesLayer> missing = new ArrayList<>();
    Cache cache = Files.isDirectory(application.resolve("layers")) ? cache() : null;
    for (ImageLayer layer : spec.layers()) {
      FileEntriesLayer entries = JibImageBuilder.fileEntries(layer);
      if (cache == null || !cached(cache, entries)) {
        missing.add(entries);
      }
    }
    return missing;
  }

  private static boolean cached(Cache cache, FileEntriesLayer layer) throws IOException {
    try {
      return cache.retrieve(ImmutableList.copyOf(layer.getEntries())).isPresent();
    } catch (CacheCorruptedException e) {
      return false; // LayerCache removes it before the build
    }
  }

  private Optional<Read> firstExisting(List<Source> sources, String architecture) {
    for (Source source : sources) {
      ImageReference image = source.image();
      Optional<Credential> credential =
          credentials.credential(image, event -> listener.debug(event.getMessage()));
      try {
        return Optional.of(new Read(image, credential,
            registry.built(image, credential, architecture)));
      } catch (BadInputException e) {
        tell(source, "{cache-from} " + image + ": " + e.getMessage()
            + "; its layers are not reused");
      } catch (RelpackException e) {
        tell(source, "{cache-from} " + image + " cannot be read (" + e.getMessage()
            + "); its layers are not reused");
      }
    }
    return Optional.empty();
  }

  /** A named image that cannot be used is worth a warning; a default one, only a detail. */
  private void tell(Source source, String message) {
    if (source.named()) {
      listener.warn(message);
    } else {
      listener.debug(message);
    }
  }

  private Outcome take(List<FileEntriesLayer> missing, Read previous) throws IOException {
    Map<String, RegistryReader.BuiltLayer> byDiffId = new LinkedHashMap<>();
    previous.built().layers().forEach(layer -> byDiffId.putIfAbsent(layer.diffId(), layer));
    listener.debug("taking layers from " + previous.image() + "@" + previous.built().digest()
        + " where they are the same");
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<Optional<Long>>> taken = new ArrayList<>();
      for (FileEntriesLayer layer : missing) {
        taken.add(threads.submit(() -> takeOne(layer, byDiffId, previous)));
      }
      List<String> names = new ArrayList<>();
      long fetched = 0;
      for (int i = 0; i < missing.size(); i++) {
        Optional<Long> bytes = result(taken.get(i));
        if (bytes.isPresent()) {
          names.add(missing.get(i).getName());
          fetched += bytes.get();
        }
      }
      return new Outcome(Optional.of(previous.image()), names, fetched);
    } finally {
      threads.shutdownNow();
    }
  }

  /** @return the bytes fetched, when the layer was taken */
  private Optional<Long> takeOne(FileEntriesLayer layer,
      Map<String, RegistryReader.BuiltLayer> byDiffId, Read previous) throws IOException {
    String name = layer.getName();
    String diffId = diffId(layer);
    RegistryReader.BuiltLayer candidate = byDiffId.get(diffId);
    if (candidate == null) {
      listener.debug("layer " + name + " is not in " + previous.image() + " (it changed); compressing it");
      return Optional.empty();
    }
    Optional<String> refusal = refusal(candidate);
    if (refusal.isPresent()) {
      listener.debug("layer " + name + " is in " + previous.image() + ", but " + refusal.get()
          + "; compressing it");
      return Optional.empty();
    }
    Optional<DescriptorDigest> selector = selector(layer);
    if (selector.isEmpty()) {
      listener.debug("layer " + name + ": jib's cache cannot be told of it (jib's selector is"
          + " not reachable); compressing it");
      return Optional.empty();
    }
    Optional<String> problem = install(candidate, diffId, layer, previous);
    if (problem.isPresent()) {
      listener.debug("layer " + name + " is in " + previous.image() + ", but " + problem.get()
          + "; compressing it");
      return Optional.empty();
    }
    writeSelector(selector.get(), candidate.blob().digest());
    return Optional.of(candidate.blob().size());
  }

  /** Why a layer with the same content may not be taken: its blob might not be ours, byte for byte. */
  private Optional<String> refusal(RegistryReader.BuiltLayer layer) {
    if (!layer.author().equals(Optional.of(JibImageBuilder.TOOL_NAME))
        || !layer.createdBy().equals(Optional.of(createdBy))) {
      return Optional.of("it was made by " + layer.createdBy().orElse("an unknown tool")
          + ", not " + createdBy + " (another compressor may give other bytes)");
    }
    String type = layer.blob().mediaType();
    if (!type.equals(MediaTypes.OCI_LAYER_GZIP) && !type.equals(MediaTypes.DOCKER_LAYER_GZIP)) {
      return Optional.of("its blob is of type " + (type.isEmpty() ? "(none)" : type)
          + ", not a gzip layer");
    }
    return Optional.empty();
  }

  /**
   * Fetches the blob into jib's layout beside the cache, checks it and moves it in.
   *
   * @return what is wrong with the blob, if anything
   */
  private Optional<String> install(RegistryReader.BuiltLayer layer, String diffId,
      FileEntriesLayer ours, Read previous) throws IOException {
    String digestHex = hex(layer.blob().digest());
    Path target = application.resolve("layers").resolve(digestHex);
    if (Files.exists(target)) {
      // jib's cache has the blob under another selector: left to jib and its checks
      return Optional.of("the cache holds its blob already");
    }
    Path staging = application.resolve("tmp").resolve("reuse-" + UUID.randomUUID());
    Files.createDirectories(staging);
    try {
      Path blob = staging.resolve(hex(diffId));
      try {
        registry.blob(previous.image(), previous.credential(), layer.blob(),
            body -> Files.copy(body, blob));
      } catch (RelpackException e) {
        return Optional.of("its blob " + layer.blob().digest() + " cannot be fetched ("
            + e.getMessage() + ")");
      }
      Optional<String> different = difference(blob, ours);
      if (different.isPresent()) {
        return Optional.of("its blob " + layer.blob().digest() + " decompresses to "
            + different.get() + ", not to this layer (diff ID " + diffId + ") as its config says");
      }
      Files.createDirectories(target.getParent());
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // another build put it there first: the same blob, by its name
      }
      return Optional.empty();
    } finally {
      if (Files.exists(staging)) {
        FileTrees.deleteRecursively(staging);
      }
    }
  }

  private void writeSelector(DescriptorDigest selector, String digest) throws IOException {
    Path selectors = application.resolve("selectors");
    Files.createDirectories(selectors);
    Path temporary = application.resolve("tmp").resolve("selector-" + UUID.randomUUID());
    Files.write(temporary, hex(digest).getBytes(StandardCharsets.UTF_8));
    Files.move(temporary, selectors.resolve(selector.getHash()), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** The digest of the layer's tar as jib writes it, computed without compressing. */
  static String diffId(FileEntriesLayer layer) throws IOException {
    return new ReproducibleLayerBuilder(ImmutableList.copyOf(layer.getEntries())).build()
        .writeTo(OutputStream.nullOutputStream()).getDigest().toString();
  }

  /**
   * How the blob's content differs from the layer's tar, if it does. The layer's tar is written
   * again and compared byte for byte with the blob decompressed: the same check as hashing the
   * blob decompressed against the diff ID just computed, at a fraction of the cost.
   */
  static Optional<String> difference(Path gzip, FileEntriesLayer layer) throws IOException {
    try (InputStream unpacked = new GZIPInputStream(
        new BufferedInputStream(Files.newInputStream(gzip)), 1 << 16)) {
      ComparingOutputStream comparing = new ComparingOutputStream(unpacked);
      try {
        new ReproducibleLayerBuilder(ImmutableList.copyOf(layer.getEntries())).build()
            .writeTo(comparing);
      } catch (ComparingOutputStream.Mismatch e) {
        return Optional.of("other content from byte " + e.offset());
      }
      return unpacked.read() == -1 ? Optional.empty()
          : Optional.of("more content than the layer's " + comparing.offset() + " bytes");
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      return Optional.of("something that is not whole gzip (" + e.getMessage() + ")");
    }
  }

  /**
   * The key jib's cache files a layer's digest under, from jib itself: it has no public call for
   * it, and a key computed any other way could differ from jib's and silently never be found.
   * Empty if jib (a version other than the pinned one) no longer has it: layers are then compressed.
   */
  static Optional<DescriptorDigest> selector(FileEntriesLayer layer) {
    try {
      Method generate = Class.forName("com.google.cloud.tools.jib.cache.LayerEntriesSelector")
          .getDeclaredMethod("generateSelector", ImmutableList.class);
      generate.setAccessible(true);
      return Optional.of((DescriptorDigest) generate.invoke(null,
          ImmutableList.copyOf(layer.getEntries())));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private Cache cache() throws IOException {
    try {
      return Cache.withDirectory(application);
    } catch (com.google.cloud.tools.jib.api.CacheDirectoryCreationException e) {
      throw new IOException("cannot use jib's cache " + application, e);
    }
  }

  private static <T> T result(Future<T> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IOException(e.getCause());
    }
  }

  private static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }
}
