package dev.relpack.image;

import dev.relpack.publish.BuildListener;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
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
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final BuildListener listener;

  /**
   * @param application jib's cache of relpack's layers
   * @param base jib's cache of base layers
   * @param staging scratch space on the same file system, for taking entries out of use
   */
  LayerCache(Path application, Path base, Path staging, BuildListener listener) {
    this(application, base, staging, new TreeSeals(Optional.empty()), listener);
  }

  /**
   * @param seals how entries found intact looked then, in this user's private state: an entry
   *     that still looks so is not hashed again ({@link TreeSeals})
   */
  LayerCache(Path application, Path base, Path staging, TreeSeals seals,
      BuildListener listener) {
    this.application = application;
    this.base = base;
    this.staging = staging;
    this.seals = seals;
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
    if (archiveBase.isPresent() && Files.isDirectory(base.resolve("local"))) {
      Cache cache = cache(base);
      for (DescriptorDigest diffId : diffIds(archiveBase.get())) {
        Optional<CachedLayer> cached = retrieve(() -> cache.retrieveTarLayer(diffId),
            base.resolve("local").resolve(diffId.getHash()));
        if (cached.isPresent()) {
          Path dir = base.resolve("local").resolve(diffId.getHash());
          checkEntry(dir, dir.resolve(cached.get().getDigest().getHash()), cached.get().getDigest());
        }
      }
    }
    return intact;
  }

  /**
   * The entries jib will take for these layers, checked as {@link #check} checks them: by layer
   * name, those intact; the others are not in the cache (any that was corrupt is removed).
   */
  Map<String, CachedLayer> intact(List<FileEntriesLayer> layers, Map<String, String> verified)
      throws IOException {
    Map<String, CachedLayer> intact = new HashMap<>();
    if (!Files.isDirectory(application.resolve("layers"))) {
      return intact;
    }
    Cache cache = cache(application);
    for (FileEntriesLayer layer : layers) {
      Optional<CachedLayer> cached = retrieve(
          () -> cache.retrieve(ImmutableList.copyOf(layer.getEntries())),
          application.resolve("selectors"));
      if (cached.isPresent()) {
        DescriptorDigest digest = cached.get().getDigest();
        Path dir = application.resolve("layers").resolve(digest.getHash());
        if (digest.toString().equals(verified.get(layer.getName()))
            || checkEntry(dir, dir.resolve(cached.get().getDiffId().getHash()), digest)) {
          intact.put(layer.getName(), cached.get());
        }
      }
    }
    return intact;
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
   * uncompressed content, also in its name) is not checked: gunzipping every layer of every build
   * would cost more than the rest of a warm build. Like jib's selectors, the names are trusted.
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
    } catch (CacheCorruptedException e) {
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
