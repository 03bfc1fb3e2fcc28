package dev.relpack.image;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CacheCorruptedException;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.error.BadInputException;
import dev.relpack.error.Input;
import dev.relpack.error.RelpackException;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.CopyingInputStream;
import dev.relpack.io.FileTrees;
import dev.relpack.publish.BuildListener;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * Takes relpack's layers from an image built before ({@code --cache-from}) instead of compressing
 * them again: what a CI job with no cache of its own needs, when the registry holds the image of
 * the previous pipeline.
 *
 * <p>For each layer jib's cache lacks, the layer's tar is written once as jib writes it
 * ({@link LayerTar}), to nowhere, without compressing: that gives its uncompressed digest (its
 * diff ID) and what a blob of it must show ({@link GzipMatch.Expected}); no tar is kept on disk
 * to compare a blob with. A layer of the previous image with that diff ID, made by this same
 * relpack line (its history entry says so: the same tar writer and the same compressor, so the
 * same compressed bytes), has its blob fetched and, as it comes, checked against its digest and
 * against the tar by decompressing it, and put in jib's cache where jib looks for this layer.
 * jib then takes it as cached: nothing compressed, and at a registry that has the blob (the
 * previous image's own repository), nothing uploaded. The image is the same, byte for byte, as
 * one whose layers were all compressed here. Anything else (another tool or version, another
 * compression, a missing or wrong blob) leaves the layer to jib, which compresses it.
 *
 * <p>jib's cache layout, as {@link LayerCache} describes it: {@code layers/DIGEST/DIFF_ID} holds
 * the blob, {@code selectors/SELECTOR} the digest of the layer whose entries give that selector.
 */
public final class LayerReuse {
  private final Path application;
  private final RegistryReader registry;
  private final RegistryCredentials credentials;
  private final String createdBy;
  private final BuildListener listener;
  private final ExecutorService threads;
  private final BooleanSupplier wanted;

  /**
   * @param cacheRoot the build's cache directory (jib's caches are inside it)
   * @param toolVersion the release line relpack's history entries record: only layers made by
   *     this line are taken
   * @param threads where layers are taken in parallel (the phase's, stopped with it)
   * @param wanted whether the phase still wants the result: once it gave up, nothing more is
   *     put in the cache
   */
  public LayerReuse(Path cacheRoot, String toolVersion, RegistryReader registry,
      RegistryCredentials credentials, BuildListener listener, ExecutorService threads,
      BooleanSupplier wanted) {
    this.application = JibImageBuilder.applicationCache(cacheRoot);
    this.registry = registry;
    this.credentials = credentials;
    this.createdBy = JibImageBuilder.TOOL_NAME + ":" + toolVersion;
    this.listener = listener;
    this.threads = threads;
    this.wanted = wanted;
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
   * @param layers the layers taken: their blob digests by name, bottom first
   * @param fetchedBytes the bytes of the blobs fetched to take them
   * @param digest the digest of the image manifest read, when one was
   * @param diffIds the diff ID of each layer whose tar was written to compare it, by name
   */
  public record Outcome(Optional<ImageReference> from, Map<String, String> layers,
      long fetchedBytes, Optional<String> digest, Map<String, String> diffIds) {
    public Outcome {
      layers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(layers));
      diffIds = Map.copyOf(diffIds);
    }

    public static Outcome none() {
      return new Outcome(Optional.empty(), Map.of(), 0, Optional.empty(), Map.of());
    }
  }

  /** One layer's part in the outcome: its tar's diff ID once written, and the blob taken. */
  private record Taken(Optional<String> diffId, Optional<RegistryReader.Descriptor> blob) {}

  /**
   * Fills jib's cache with the layers of {@code spec} that the first existing image of
   * {@code sources} has, as far as they are missing from the cache. Does not fail the build:
   * what cannot be taken is compressed as usual, and why is said with -v.
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
    Optional<Cache> cache = Files.isDirectory(application.resolve("layers"))
        ? Optional.of(LayerCache.cache(application)) : Optional.empty();
    for (ImageLayer layer : spec.layers()) {
      FileEntriesLayer entries = JibImageBuilder.fileEntries(layer);
      if (cache.isEmpty() || !cached(application, cache.get(), entries)) {
        missing.add(entries);
      }
    }
    return missing;
  }

  private static boolean cached(Path application, Cache cache, FileEntriesLayer layer)
      throws IOException {
    try {
      return LayerCache.byFiles(application, cache, layer).isPresent();
    } catch (CacheCorruptedException | LayerCache.ForeignSelector e) {
      return false; // LayerCache removes it before the build
    }
  }

  private Optional<Read> firstExisting(List<Source> sources, String architecture) {
    for (Source source : sources) {
      ImageReference image = source.image();
      try {
        Optional<Credential> credential =
            credentials.credential(image, event -> listener.debug(event.getMessage()));
        return Optional.of(new Read(image, credential,
            registry.built(image, credential, architecture)));
      } catch (BadInputException e) {
        tell(source, Input.CACHE_FROM + " " + image + ": " + e.getMessage()
            + "; its layers are not reused");
      } catch (RelpackException e) {
        tell(source, Input.CACHE_FROM + " " + image + " cannot be read (" + e.getMessage()
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
    List<Future<Taken>> taken = new ArrayList<>();
    for (FileEntriesLayer layer : missing) {
      taken.add(threads.submit(() -> takeOne(layer, byDiffId, previous)));
    }
    Map<String, String> layers = new LinkedHashMap<>();
    Map<String, String> diffIds = new LinkedHashMap<>();
    long fetched = 0;
    for (int i = 0; i < missing.size(); i++) {
      Taken one = result(taken.get(i));
      String name = missing.get(i).getName();
      one.diffId().ifPresent(diffId -> diffIds.put(name, diffId));
      if (one.blob().isPresent()) {
        layers.put(name, one.blob().get().digest());
        fetched += one.blob().get().size();
      }
    }
    return new Outcome(Optional.of(previous.image()), layers, fetched,
        Optional.of(previous.built().digest()), diffIds);
  }

  /**
   * Takes one layer, if it can be: never throws, as one layer's trouble is no reason to give up
   * the others.
   *
   * @return the layer's diff ID, once its tar is written, and the blob taken
   */
  private Taken takeOne(FileEntriesLayer layer,
      Map<String, RegistryReader.BuiltLayer> byDiffId, Read previous) {
    String name = layer.getName();
    Path staging = application.resolve("tmp").resolve("reuse-" + UUID.randomUUID());
    Optional<String> diffId = Optional.empty();
    try {
      GzipMatch.Expected tar = GzipMatch.expected(LayerCache.tarBlob(layer));
      diffId = Optional.of(tar.diffId());
      RegistryReader.BuiltLayer candidate = byDiffId.get(tar.diffId());
      if (candidate == null) {
        listener.debug("layer " + name + " is not in " + previous.image()
            + " (it changed); compressing it");
        return new Taken(diffId, Optional.empty());
      }
      Optional<String> refusal = refusal(candidate, tar).or(() -> install(candidate, tar, layer,
          previous, staging));
      if (refusal.isPresent()) {
        listener.debug("layer " + name + " is in " + previous.image() + ", but "
            + refusal.get() + "; compressing it");
        return new Taken(diffId, Optional.empty());
      }
      return new Taken(diffId, Optional.of(candidate.blob()));
    } catch (IOException | RuntimeException e) {
      listener.debug("layer " + name + " cannot be taken from " + previous.image() + " ("
          + e + "); compressing it");
      return new Taken(diffId, Optional.empty());
    } finally {
      deleteQuietly(staging);
    }
  }

  /** Why a layer with the same content may not be taken: its blob might not be ours, byte for byte. */
  private Optional<String> refusal(RegistryReader.BuiltLayer layer, GzipMatch.Expected tar) {
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
    if (layer.blob().size() > tar.largestBlob()) {
      return Optional.of("its blob of " + layer.blob().size() + " bytes is larger than the layer's"
          + " " + tar.size() + " bytes compress to");
    }
    if (LayerCache.exists(application, layer.blob().digest())) {
      // jib's cache has the blob under another selector: left to jib and its checks
      return Optional.of("the cache holds its blob already");
    }
    return Optional.empty();
  }

  /**
   * Fetches the blob into {@code staging}, checking as it comes that it is exactly what
   * compressing the layer's tar gives, and moves it into jib's layout, with the selector jib
   * finds it by.
   *
   * @return what is wrong with the blob, if anything
   */
  private Optional<String> install(RegistryReader.BuiltLayer layer, GzipMatch.Expected tar,
      FileEntriesLayer ours, Read previous, Path staging) {
    Optional<DescriptorDigest> selector = LayerSelector.of(ours);
    if (selector.isEmpty()) {
      return Optional.of("jib's cache cannot be told of it (jib's selector is not reachable)");
    }
    String digest = layer.blob().digest();
    try {
      Files.createDirectories(staging);
      Path blob = staging.resolve(LayerCache.hex(tar.diffId()));
      Optional<String> different;
      try {
        different = registry.blob(previous.image(), previous.credential(), layer.blob(),
            body -> checkedCopy(body, tar, blob));
      } catch (RelpackException e) {
        return Optional.of("its blob " + digest + " cannot be fetched (" + e.getMessage() + ")");
      }
      if (different.isPresent()) {
        return Optional.of("its blob " + digest + " holds " + different.get()
            + ", not this layer as compressed here");
      }
      if (!wanted.getAsBoolean()) {
        return Optional.of("the time for taking layers ran out");
      }
      Path target = application.resolve("layers").resolve(LayerCache.hex(digest));
      Files.createDirectories(target.getParent());
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // another build put it there first: the same blob, by its name
      }
      LayerWriter.writeSelector(application, selector.get(), digest);
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("it cannot be put in the cache (" + e.getMessage() + ")");
    }
  }

  /** Writes a blob to {@code file} as it is read, comparing it with the tar on the way. */
  private static Optional<String> checkedCopy(InputStream body, GzipMatch.Expected tar, Path file)
      throws IOException {
    try (OutputStream copy = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      return GzipMatch.difference(new CopyingInputStream(body, copy), tar);
    }
  }

  /** The layer's diff ID, as jib records it when it compresses the layer. */
  static String diffId(FileEntriesLayer layer) throws IOException {
    return LayerCache.tarBlob(layer).writeTo(OutputStream.nullOutputStream()).getDigest().toString();
  }

  private static void deleteQuietly(Path staging) {
    try {
      if (Files.exists(staging)) {
        FileTrees.deleteRecursively(staging);
      }
    } catch (IOException e) {
      // staging left by this build is removed with the cache's other leftovers
    }
  }

  private static <T> T result(Future<T> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    }
  }
}
