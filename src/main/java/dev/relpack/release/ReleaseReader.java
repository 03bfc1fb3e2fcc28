package dev.relpack.release;

import dev.relpack.io.Sha256;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import dev.relpack.io.PrivatePaths;
import dev.relpack.io.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads a release from a directory or a tarball into a {@link Release} whose files sit in the
 * content store. A tarball already read once is not unpacked again: its units are found through an
 * index keyed by the tarball's SHA-256, and the SHA-256 itself is remembered by the file's identity
 * (path, size, mtime, inode), so an unchanged tarball is not even hashed again. Both are kept in
 * this user's private state, never in the shared cache: nothing in the cache can say which units a
 * tarball holds, since whoever can write the cache could make such an index name a release of
 * their own, each unit consistent with its digest.
 */
public final class ReleaseReader {
  private final ContentStore store;
  /** What each tarball held and each tarball file's SHA-256: {@code tarballs/} in private state. */
  private final Optional<Path> tarballs;
  private final ExtractionLimits limits;

  /**
   * A reader that keeps nothing private: every tarball is unpacked and every unit hashed.
   *
   * @param cacheRoot where unpacked content is kept (shared by concurrent builds)
   * @param warn told about content found changed in the cache (it is then read again)
   */
  public ReleaseReader(Path cacheRoot, ExtractionLimits limits, Consumer<String> warn) {
    this(cacheRoot, Optional.empty(), limits, warn);
  }

  /**
   * @param privateState this user's private state directory, where the store records how each
   *     unit looked when last found intact ({@code unit-seals/}, {@link dev.relpack.io.TreeSeals})
   *     and what each tarball held ({@code tarballs/}); files there are believed only while they
   *     and their directory are this user's alone. Empty to keep neither.
   */
  public ReleaseReader(Path cacheRoot, Optional<Path> privateState, ExtractionLimits limits,
      Consumer<String> warn) {
    this.store = new ContentStore(cacheRoot, privateState.map(s -> s.resolve("unit-seals")), warn);
    this.tarballs = privateState.map(s -> s.resolve("tarballs"));
    this.limits = limits;
  }

  public Release read(Path input) {
    try {
      return readAny(input);
    } catch (java.nio.file.InvalidPathException e) {
      throw new BadInputException("release " + input + " has file names this locale cannot"
          + " represent (" + System.getProperty("sun.jnu.encoding") + "); run with LANG=C.UTF-8", e);
    }
  }

  private Release readAny(Path input) {
    if (Files.isDirectory(input)) {
      return readDirectory(input, input.toString());
    }
    if (Files.isRegularFile(input)) {
      if (!Files.isReadable(input)) {
        throw new BadInputException("release tarball " + input + " cannot be read (permissions)");
      }
      return readTarball(input);
    }
    throw new BadInputException("release not found: " + input
        + " (give a release directory such as _build/prod/rel/NAME, or its tarball)");
  }

  private Release readDirectory(Path dir, String display) {
    return readAndStore(dir, display).release();
  }

  /** Inspects the release in {@code root}, then copies its files into the content store. */
  private Stored readAndStore(Path root, String display) {
    Release release = ReleaseInspector.inspect(ReleaseTree.of(root), display);
    List<ReleaseFile> files =
        ReleaseTreeWalker.walk(root, display, RuntimeLeftovers.of(release), limits);
    ContentStore.Materialized stored = store.materialize(files);
    return new Stored(release.withFiles(stored.files()), stored.unitDigests());
  }

  private record Stored(Release release, Map<String, String> unitDigests) {}

  /**
   * Inspects a release just unpacked into staging, without symlinks, and moves its units into the
   * content store: its files were hashed as they were written, so they are not read again. What
   * the release leaves out (its runtime leftovers) is deleted first, so each unit's directory
   * holds the unit and nothing else.
   */
  private Stored adoptUnpacked(Path root, String display, Map<Path, String> hashes)
      throws IOException {
    Release release = ReleaseInspector.inspect(ReleaseTree.of(root), display);
    Predicate<String> leftover = RuntimeLeftovers.of(release);
    List<String> skipped = new ArrayList<>();
    List<ReleaseFile> files = ReleaseTreeWalker.walk(root, display, path -> {
      boolean skip = leftover.test(path);
      if (skip) {
        skipped.add(path);
      }
      return skip;
    }, limits);
    for (String path : skipped) {
      FileTrees.deleteRecursively(root.resolve(path));
    }
    ContentStore.Materialized stored = store.adopt(files, hashes);
    return new Stored(release.withFiles(stored.files()), stored.unitDigests());
  }

  private Release readTarball(Path tarball) {
    String display = tarball.toString();
    try {
      store.sweepStaleStaging();
      if (tarballs.isEmpty()) {
        return unpack(tarball, display).release();
      }
      Path memo = identityMemo(tarballs.get(), tarball);
      Optional<String> remembered = remembered(memo);
      String digest = remembered.isPresent() ? remembered.get() : Sha256.of(tarball);
      Optional<List<ReleaseFile>> indexed = indexed(tarballs.get().resolve(digest));
      if (indexed.isPresent()) {
        Release release = ReleaseInspector.inspect(ReleaseTree.of(indexed.get()), display);
        if (remembered.isEmpty()) {
          remember(memo, digest);
        }
        return release.withFiles(indexed.get());
      }
      Stored stored = unpack(tarball, display);
      writeIndex(tarballs.get().resolve(digest), stored.unitDigests());
      remember(memo, digest); // only for tarballs that read well
      return stored.release();
    } catch (IOException e) {
      throw new InternalException("cannot unpack " + display + ": " + e.getMessage(), e);
    }
  }

  /** Unpacks a tarball into staging and puts its units in the store. */
  private Stored unpack(Path tarball, String display) throws IOException {
    Path staging = store.newStagingDirectory().toRealPath();
    try {
      TarballExtractor.Unpacked unpacked = TarballExtractor.extract(tarball, staging, limits);
      Path root = releaseRoot(staging);
      return unpacked.symlinks() ? readAndStore(root, display)
          : adoptUnpacked(root, display, unpacked.fileHashes());
    } finally {
      FileTrees.deleteRecursively(staging);
    }
  }

  /** The release root inside an unpacked tarball: the top, or its only directory. */
  private static Path releaseRoot(Path unpacked) throws IOException {
    if (Files.isDirectory(unpacked.resolve("releases"))) {
      return unpacked;
    }
    try (var children = Files.list(unpacked)) {
      List<Path> all = children.toList();
      if (all.size() == 1 && Files.isDirectory(all.get(0))) {
        return all.get(0);
      }
    }
    return unpacked;
  }

  /** Where the SHA-256 of this very file (same path, size, mtime and inode) is remembered. */
  private static Path identityMemo(Path tarballs, Path tarball) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(tarball, BasicFileAttributes.class);
    String identity = Sha256.of(tarball.toRealPath() + "\n" + attrs.size() + "\n"
        + attrs.lastModifiedTime().toMillis() + "\n" + attrs.fileKey());
    return tarballs.resolve("by-identity").resolve(identity);
  }

  private static Optional<String> remembered(Path memo) throws IOException {
    return PrivatePaths.readMine(memo)
        .map(bytes -> new String(bytes, StandardCharsets.US_ASCII).trim())
        .filter(digest -> digest.matches("[0-9a-f]{64}"));
  }

  /** Remembers a tarball's SHA-256 by its identity; failing to costs a later build a hash. */
  private static void remember(Path memo, String digest) {
    keep(memo, digest.getBytes(StandardCharsets.US_ASCII));
  }

  /** Writes a private file; a state directory that cannot be written costs later builds time. */
  private static void keep(Path file, byte[] bytes) {
    try {
      PrivatePaths.writeMine(file, bytes);
    } catch (IOException | RuntimeException e) {
      // a read-only home, a full disk: the next build unpacks the tarball again
    }
  }

  private Optional<List<ReleaseFile>> indexed(Path index) throws IOException {
    Optional<byte[]> text = PrivatePaths.readMine(index);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> units = new TreeMap<>();
    for (String line : new String(text.get(), StandardCharsets.UTF_8).split("\n")) {
      int space = line.indexOf(' ');
      if (space != 64) {
        return Optional.empty(); // not written by this version: unpack again
      }
      units.put(line.substring(space + 1), line.substring(0, space));
    }
    if (!units.values().stream().allMatch(store::has)) {
      return Optional.empty(); // part of the cache was deleted: unpack again
    }
    return store.load(units); // empty when a unit was changed: unpack again
  }

  /** One line per unit, {@code DIGEST NAME}; the root-level unit has an empty name. */
  private static void writeIndex(Path index, Map<String, String> units) {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(units).forEach((name, digest) -> text.append(digest).append(' ').append(name).append('\n'));
    keep(index, text.toString().getBytes(StandardCharsets.UTF_8));
  }
}
