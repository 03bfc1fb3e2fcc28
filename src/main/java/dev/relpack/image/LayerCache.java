package dev.relpack.image;

import dev.relpack.publish.BuildListener;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CacheCorruptedException;
import com.google.cloud.tools.jib.cache.CachedLayer;
import com.google.common.collect.ImmutableList; // the type jib's Cache.retrieve takes
import dev.relpack.format.dockerarchive.DockerArchiveNames;
import dev.relpack.io.FileTrees;
import dev.relpack.io.Sha256;
import dev.relpack.io.TreeSeals;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * jib's two layer caches in relpack's cache directory, which other jobs may write: jib trusts
 * what they hold, relpack does not. Where the image is written here ({@code oci:}, {@code tar:})
 * every blob is hashed as it is written, and a bad one is removed with {@link #evictIfCorrupt} before the
 * build runs again. A push has no such place: before it, the entries jib will take for the
 * image's layers (found with jib's own lookup, so exactly those) are hashed with {@link #check};
 * one that does not match the digest it is stored under is reported and removed, and jib builds
 * it anew. What escapes that (an entry jib reuses under a digest it computed itself) the registry
 * refuses, and it is removed in the same way.
 *
 * <p>jib's layout, read from its {@code CacheStorageFiles}: {@code layers/DIGEST/DIFF_ID} for
 * built and pulled layers, {@code local/DIFF_ID/DIGEST} for layers of archive bases,
 * {@code selectors/} mapping layer contents to digests.
 */
final class LayerCache {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path application;
  private final Path base;
  private final Path staging;
  private final TreeSeals seals;
  private final LayerClaims claims;
  private final BuildListener listener;
  /** The layers {@link #claimed} found true in this build, by name. */
  private final Set<String> found = ConcurrentHashMap.newKeySet();

  /**
   * @param application jib's cache of relpack's layers
   * @param base jib's cache of base layers
   * @param staging scratch space on the same file system, for taking entries out of use
   */
  LayerCache(Path application, Path base, Path staging, BuildListener listener) {
    this(application, base, staging, LayerTrust.none(), listener);
  }

  /**
   * @param trust how entries found intact looked then, in this user's private state (an entry
   *     that still looks so is not hashed again), and which of jib's lookups this user found
   *     true (the others are checked byte for byte before they are used)
   */
  LayerCache(Path application, Path base, Path staging, LayerTrust trust,
      BuildListener listener) {
    this.application = application;
    this.base = base;
    this.staging = staging;
    this.seals = trust.seals();
    this.claims = trust.claims();
    this.listener = listener;
  }

  /**
   * Checks what the caches hold for these layers and for an archive base's layers.
   *
   * @param verified the blob digests, by layer name, that this build put in the cache after
   *     checking them: not hashed again while the cache still gives those layers those blobs
   * @return the layers jib will take from the cache, intact: their names by blob digest
   */
  Map<String, String> check(List<FileEntriesLayer> layers, Optional<Path> archiveBase,
      Map<String, String> verified) throws IOException {
    Map<String, String> intact = new HashMap<>();
    intact(layers, verified).forEach(
        (name, layer) -> intact.put(layer.getDigest().toString(), name));
    checkArchiveBase(archiveBase);
    return intact;
  }

  /**
   * Checks the layers jib keeps of an archive base ({@code --from host}, {@code tar:}): jib
   * finds each by its diff ID ({@code local/DIFF_ID/DIGEST}) and takes it as it is. Each must
   * hash to its digest and, unless this user's private state records it as found so, decompress
   * to that diff ID; one that does not is reported and removed, and jib makes it again from the
   * archive.
   */
  void checkArchiveBase(Optional<Path> archiveBase) throws IOException {
    if (archiveBase.isEmpty() || !Files.isDirectory(base.resolve("local"))) {
      return;
    }
    Cache cache = cache(base);
    for (DescriptorDigest diffId : diffIds(archiveBase.get())) {
      Path dir = base.resolve("local").resolve(diffId.getHash());
      Optional<CachedLayer> cached = retrieve(() -> cache.retrieveTarLayer(diffId), dir);
      if (cached.isEmpty()) {
        continue;
      }
      Path file = dir.resolve(cached.get().getDigest().getHash());
      if (checkEntry(dir, file, cached.get().getDigest()) && !claims.holdsBase(cached.get())) {
        if (decompressesTo(file, diffId)) {
          claims.recordBase(cached.get());
        } else {
          listener.warn("cache entry " + dir + " does not hold layer " + diffId
              + " of the base (another layer's content is stored under its name); making it"
              + " again");
          remove(dir);
        }
      }
    }
  }

  /** Whether the gzip blob {@code file} holds content whose SHA-256 is {@code diffId}. */
  private static boolean decompressesTo(Path file, DescriptorDigest diffId) throws IOException {
    try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
        new BufferedInputStream(Files.newInputStream(file), 1 << 16), 1 << 16)) {
      return Sha256.of(in).equals(diffId.getHash());
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      return false; // not gzip, or cut short
    }
  }

  /**
   * The entries jib will take for these layers, checked as {@link #check} checks them: by layer
   * name, those intact; the others are not in the cache (any that was corrupt is removed).
   */
  Map<String, CachedLayer> intact(List<FileEntriesLayer> layers, Map<String, String> verified)
      throws IOException {
    return intact(layers, verified, false);
  }

  /**
   * {@link #intact}, for a caller that takes the blobs and never jib's selectors: a layer this
   * user's claims vouch for is found by its blob, without computing jib's selector (a JSON text
   * of every entry, each file's time read again: 65-79 ms of a one-module change of the demo).
   */
  Map<String, CachedLayer> intactBlobs(List<FileEntriesLayer> layers,
      Map<String, String> verified) throws IOException {
    return intact(layers, verified, true);
  }

  private Map<String, CachedLayer> intact(List<FileEntriesLayer> layers,
      Map<String, String> verified, boolean byClaims) throws IOException {
    Map<String, CachedLayer> intact = new HashMap<>();
    for (Map.Entry<String, CachedLayer> found : claimed(layers, verified, byClaims).entrySet()) {
      DescriptorDigest digest = found.getValue().getDigest();
      Path dir = application.resolve("layers").resolve(digest.getHash());
      if (digest.toString().equals(verified.get(found.getKey()))
          || checkEntry(dir, dir.resolve(found.getValue().getDiffId().getHash()), digest)) {
        intact.put(found.getKey(), found.getValue());
      }
    }
    return intact;
  }

  /**
   * What jib's cache has for these layers' files, by layer name, where that is true: jib finds a
   * layer through a selector file naming a blob, and takes the blob's diff ID from its file's
   * name, and whoever can write the cache can write both. A lookup is believed when this user
   * found it true before ({@link LayerClaims}) or this build put the layer there after checking
   * it ({@code verified}); else the blob must decompress to exactly the tar jib writes of the
   * layer's files, with that diff ID. One that does not is reported and its selector removed, so
   * jib builds the layer again.
   */
  Map<String, CachedLayer> claimed(List<FileEntriesLayer> layers, Map<String, String> verified)
      throws IOException {
    return claimed(layers, verified, false);
  }

  /** @param byClaims whether a claimed layer is found by its blob instead of jib's selector */
  private Map<String, CachedLayer> claimed(List<FileEntriesLayer> layers,
      Map<String, String> verified, boolean byClaims) throws IOException {
    Map<String, CachedLayer> claimed = new HashMap<>();
    if (!Files.isDirectory(application.resolve("layers"))) {
      return claimed;
    }
    Cache cache = cache(application);
    List<Found> lookups = new ArrayList<>();
    for (FileEntriesLayer layer : layers) {
      // the claim's key hashes every entry: made only where it is asked (not for a cold cache)
      Optional<LayerClaims.Claim> claim = byClaims ? Optional.of(claims.claim(layer))
          : Optional.empty();
      Optional<CachedLayer> cached = claim.isPresent() ? byClaim(cache, claim.get())
          : Optional.empty();
      if (cached.isEmpty()) {
        cached = retrieve(() -> byFiles(application, cache, layer),
            application.resolve("selectors"));
      }
      if (cached.isPresent()) {
        LayerClaims.Claim found = claim.orElseGet(() -> claims.claim(layer));
        boolean recorded = found.holds(cached.get());
        Path blob = application.resolve("layers").resolve(cached.get().getDigest().getHash())
            .resolve(cached.get().getDiffId().getHash());
        lookups.add(new Found(layer, found, cached.get(), blob, recorded,
            cached.get().getDigest().toString().equals(verified.get(layer.getName()))));
      }
    }
    List<Boolean> hold;
    try {
      // each check reads the layer's files and decompresses its blob: on every core
      hold = lookups.parallelStream().map(Found::holds).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (int i = 0; i < lookups.size(); i++) {
      Found lookup = lookups.get(i);
      if (hold.get(i)) {
        if (!lookup.recorded()) {
          claims.record(lookup.claim(), lookup.cached());
        }
        claimed.put(lookup.layer().getName(), lookup.cached());
        found.add(lookup.layer().getName());
      } else if (checkEntry(lookup.blob().getParent(), lookup.blob(),
          lookup.cached().getDigest())) {
        // the blob is what its name says (a corrupt one was reported and removed just now): the
        // selector is what lies
        Optional<DescriptorDigest> selector = LayerSelector.of(lookup.layer());
        listener.warn("cache entry " + application.resolve("selectors")
            + selector.map(s -> "/" + s.getHash()).orElse("") + " names layer "
            + lookup.cached().getDigest() + " for " + lookup.layer().getName()
            + ", which is not made of its files; building it again");
        if (selector.isPresent()) {
          deleteQuietly(application.resolve("selectors").resolve(selector.get().getHash()));
        } else {
          remove(application.resolve("selectors")); // jib's own key is out of reach: all go
        }
      }
    }
    return claimed;
  }

  /**
   * The entry of the blob this user's claims say {@code layer}'s files make, when jib's cache
   * has it under the claimed diff ID too ({@link LayerClaims.Claim#holds} checks both).
   */
  private Optional<CachedLayer> byClaim(Cache cache, LayerClaims.Claim claim)
      throws IOException {
    Optional<DescriptorDigest> blob = claim.blob();
    if (blob.isEmpty()) {
      return Optional.empty();
    }
    Path entry = application.resolve("layers").resolve(blob.get().getHash());
    return retrieve(() -> cache.retrieve(blob.get()), entry).filter(claim::holds);
  }

  /**
   * What jib's cache found for a layer's files.
   *
   * @param claim what this user's private state says of its files
   * @param blob its file in jib's cache
   * @param recorded whether this user's private state records it as true
   * @param checked whether this build put it there after checking it
   */
  private record Found(FileEntriesLayer layer, LayerClaims.Claim claim, CachedLayer cached,
      Path blob, boolean recorded, boolean checked) {
    boolean holds() {
      try {
        return recorded || checked || madeOf(layer, cached, blob);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Whether the cached blob decompresses to exactly the tar jib writes of {@code layer}. */
  private static boolean madeOf(FileEntriesLayer layer, CachedLayer cached, Path blob)
      throws IOException {
    if (!Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      GzipMatch.Expected tar = GzipMatch.expected(tarBlob(layer));
      if (!tar.diffId().equals(cached.getDiffId().toString())) {
        return false;
      }
      try (InputStream gzip = Files.newInputStream(blob)) {
        return GzipMatch.contentDifference(gzip, tar).isEmpty();
      }
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      return false; // not gzip, or cut short
    } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
      return false; // another build removed the entry meanwhile: jib builds the layer
    }
  }

  /**
   * Records, for the layers jib built from their files in a build that just succeeded, that
   * what jib's cache has for those files is true: only where the cache's entry is the one jib
   * said it built ({@code built}: layer name to the digest jib logged), so that a selector
   * swapped after jib wrote it is not recorded as true. The layers found true before jib ran
   * were recorded then. A claim is only a shortcut: failing to record one costs a later build a
   * check, never this one.
   */
  void claimBuilt(List<FileEntriesLayer> layers, Map<String, String> built) {
    try {
      if (!Files.isDirectory(application.resolve("layers"))) {
        return;
      }
      Cache cache = cache(application);
      for (FileEntriesLayer layer : layers) {
        String logged = built.get(layer.getName());
        if (found.contains(layer.getName()) || logged == null) {
          continue;
        }
        Optional<CachedLayer> cached = retrieve(() -> byFiles(application, cache, layer),
            application.resolve("selectors"));
        if (cached.isPresent() && (logged.equals(cached.get().getDigest().toString())
            || logged.equals(cached.get().getDiffId().toString()))) {
          claims.record(layer, cached.get());
        }
      }
    } catch (IOException | RuntimeException e) {
      // the image is written: the next build checks these layers byte for byte instead
    }
  }

  /** Records that {@code layer}'s files make {@code cached}, which jib just wrote of them. */
  void claimWritten(FileEntriesLayer layer, CachedLayer cached) {
    claims.record(layer, cached);
  }

  /** A layer's tar as jib writes it, uncompressed. */
  static Blob tarBlob(FileEntriesLayer layer) {
    return new LayerTar(layer.getEntries());
  }

  /**
   * What jib's {@code Cache.retrieve} finds for a layer's files: the blob its selector names,
   * with the selector made by {@link LayerSelector#of} (jib's own call only where that cannot
   * make it). The selector file is read here, not by jib, and only when it is what jib and
   * relpack write, a regular file of a digest's 64 hex digits: a cache others can write may
   * hold a fifo there, which jib would open and wait on for as long as no one writes to it.
   *
   * @throws ForeignSelector when the selector file is anything else
   */
  static Optional<CachedLayer> byFiles(Path application, Cache cache, FileEntriesLayer layer)
      throws IOException, CacheCorruptedException {
    Optional<DescriptorDigest> selector = LayerSelector.of(layer);
    if (selector.isEmpty()) {
      return cache.retrieve(ImmutableList.copyOf(layer.getEntries())); // jib says what is wrong
    }
    Path file = application.resolve("selectors").resolve(selector.get().getHash());
    BasicFileAttributes attributes; // one look at it, not one each for existence, kind and size
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!attributes.isRegularFile() || attributes.size() != 64) {
      throw new ForeignSelector(file + " is not a file of a digest");
    }
    // decoded as jib decodes it: a byte that is not UTF-8 makes no digest, not an error
    String named = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    try {
      return cache.retrieve(DescriptorDigest.fromHash(named));
    } catch (DigestException e) {
      throw new ForeignSelector(file + " names no digest");
    }
  }

  /** A selector file neither jib nor relpack wrote: the cache entry is corrupt. */
  static final class ForeignSelector extends IOException {
    ForeignSelector(String message) {
      super(message);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // jib finds the same layer through it again, and this build checks it again next time
    }
  }

  /**
   * Removes every entry stored under {@code digest} ({@code sha256:...}), in either cache, whose
   * content does not match it; entries that match stay (another build may be reading them).
   *
   * @return whether one was removed
   */
  boolean evictIfCorrupt(String digest) throws IOException {
    String hex = hex(digest);
    List<Path> files = new ArrayList<>(); // layers/DIGEST/DIFF_ID and local/DIFF_ID/DIGEST
    for (Path cache : List.of(application, base)) {
      Path layer = cache.resolve("layers").resolve(hex);
      if (Files.isDirectory(layer, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> inside = Files.list(layer)) {
          inside.forEach(files::add);
        }
      }
      Path local = cache.resolve("local");
      if (Files.isDirectory(local)) {
        try (Stream<Path> dirs = Files.list(local)) {
          dirs.map(d -> d.resolve(hex)).filter(f -> Files.exists(f, LinkOption.NOFOLLOW_LINKS))
              .forEach(files::add);
        }
      }
    }
    boolean removed = false;
    for (Path file : files) {
      if (!matches(file, hex)) {
        listener.warn("cache entry " + file.getParent() + " does not match its digest (changed or"
            + " corrupt); building it again");
        remove(file.getParent());
        removed = true;
      }
    }
    return removed;
  }

  /** Whether the entry is intact; one that is not is reported and removed. */
  private boolean checkEntry(Path dir, Path file, DescriptorDigest digest) throws IOException {
    // not hashed again when sealed as found intact and unchanged since
    if (!seals.holds(digest.getHash(), dir, () -> matches(file, digest.getHash()))) {
      listener.warn("cache entry " + dir + " does not match its digest (changed or corrupt);"
          + " building it again");
      remove(dir);
      return false;
    }
    return true;
  }

  /**
   * Whether {@code file} is a regular file with this digest. Its diff ID (the digest of its
   * uncompressed content, also in its name) is checked once per lookup, with what the layer is
   * made of ({@link #claimed}); checking it on every build would cost more than the rest of a
   * warm build.
   */
  static boolean matches(Path file, String digestHex) throws IOException {
    return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Sha256.of(file).equals(digestHex);
  }

  /** Takes an entry out of use at once (a rename within the cache), then deletes it. */
  private void remove(Path entry) throws IOException {
    Files.createDirectories(staging);
    Path aside = staging.resolve("evicted-" + UUID.randomUUID());
    try {
      Files.move(entry, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      return; // another build removed it first
    }
    FileTrees.deleteRecursively(aside);
  }

  /** The diff IDs an archive base's config lists (the archive itself is checked where it is made). */
  private static List<DescriptorDigest> diffIds(Path archive) throws IOException {
    Map<String, byte[]> json = new HashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        if (entry.getName().endsWith(".json") && entry.getSize() < (4 << 20)) {
          json.put(entry.getName(), tar.readAllBytes());
        }
      }
    }
    List<DescriptorDigest> diffIds = new ArrayList<>();
    byte[] manifest = json.get(DockerArchiveNames.MANIFEST);
    if (manifest == null) {
      return diffIds;
    }
    byte[] config = json.get(JSON.readTree(manifest).path(0).path("Config").asText());
    if (config == null) {
      return diffIds;
    }
    for (JsonNode diffId : JSON.readTree(config).path("rootfs").path("diff_ids")) {
      try {
        diffIds.add(DescriptorDigest.fromDigest(diffId.asText()));
      } catch (DigestException e) {
        // jib refuses such a base itself, with its own message
      }
    }
    return diffIds;
  }

  /** A lookup in jib's cache that may find it corrupt. */
  @FunctionalInterface
  private interface Lookup {
    Optional<CachedLayer> find() throws IOException, CacheCorruptedException;
  }

  /**
   * jib's lookup; what jib itself finds corrupt is removed: {@code corrupt} is the entry, or for
   * relpack's layers all selectors (only an index, which jib rebuilds; a layer it then reuses
   * is checked in the written image).
   */
  private Optional<CachedLayer> retrieve(Lookup lookup, Path corrupt) throws IOException {
    try {
      return lookup.find();
    } catch (CacheCorruptedException | ForeignSelector e) {
      listener.warn("cache entry " + corrupt + " is corrupt (" + e.getMessage().replaceAll("\\s+", " ")
          + "); building it again");
      remove(corrupt);
      return Optional.empty();
    }
  }

  /** Whether jib's cache {@code application} has an entry for the blob {@code digest}. */
  static boolean exists(Path application, String digest) {
    return Files.exists(application.resolve("layers")
        .resolve(hex(digest)), LinkOption.NOFOLLOW_LINKS);
  }

  /** A digest's hex part ({@code sha256:HEX}), as jib names its cache entries. */
  static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }

  static Cache cache(Path directory) throws IOException {
    try {
      return Cache.withDirectory(directory);
    } catch (com.google.cloud.tools.jib.api.CacheDirectoryCreationException e) {
      throw new IOException("cannot use jib's cache " + directory, e);
    }
  }
}
