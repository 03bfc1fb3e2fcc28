package dev.relpack.release;

import dev.relpack.io.Sha256;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import dev.relpack.io.AtomicFiles;
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
 * (path, size, mtime, inode), so an unchanged tarball is not even hashed again.
 */
public final class ReleaseReader {
  private final ContentStore store;
  private final Path tarballIndex;
  private final ExtractionLimits limits;

  /**
   * @param cacheRoot where unpacked content and indexes are kept (shared by concurrent builds)
   * @param warn told about content found changed in the cache (it is then read again)
   */
  public ReleaseReader(Path cacheRoot, ExtractionLimits limits, Consumer<String> warn) {
    this(cacheRoot, Optional.empty(), limits, warn);
  }

  /**
   * @param seals a directory of this user's private state where the store records how each unit
   *     looked when last found intact ({@link dev.relpack.io.TreeSeals}); empty to hash every
   *     unit each time
   */
  public ReleaseReader(Path cacheRoot, Optional<Path> seals, ExtractionLimits limits,
      Consumer<String> warn) {
    this.store = new ContentStore(cacheRoot, seals, warn);
    this.tarballIndex = cacheRoot.resolve("tarballs");
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
      Path memo = identityMemo(tarball);
      Optional<String> remembered = remembered(memo);
      String digest = remembered.isPresent() ? remembered.get() : Sha256.of(tarball);
      Optional<List<ReleaseFile>> indexed = indexed(digest);
      if (indexed.isPresent()) {
        Release release = ReleaseInspector.inspect(ReleaseTree.of(indexed.get()), display);
        AtomicFiles.write(memo, digest);
        return release.withFiles(indexed.get());
      }
      Path staging = store.newStagingDirectory().toRealPath();
      try {
        TarballExtractor.Unpacked unpacked = TarballExtractor.extract(tarball, staging, limits);
        Path root = releaseRoot(staging);
        Stored stored = unpacked.symlinks() ? readAndStore(root, display)
            : adoptUnpacked(root, display, unpacked.fileHashes());
        writeIndex(digest, stored.unitDigests());
        AtomicFiles.write(memo, digest); // only for tarballs that read well
        return stored.release();
      } finally {
        FileTrees.deleteRecursively(staging);
      }
    } catch (IOException e) {
      throw new InternalException("cannot unpack " + display + ": " + e.getMessage(), e);
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
  private Path identityMemo(Path tarball) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(tarball, BasicFileAttributes.class);
    String identity = Sha256.of(tarball.toRealPath() + "\n" + attrs.size() + "\n"
        + attrs.lastModifiedTime().toMillis() + "\n" + attrs.fileKey());
    return tarballIndex.resolve("by-identity").resolve(identity);
  }

  private static Optional<String> remembered(Path memo) throws IOException {
    if (!Files.isRegularFile(memo)) {
      return Optional.empty();
    }
    String digest = Files.readString(memo).trim();
    return digest.matches("[0-9a-f]{64}") ? Optional.of(digest) : Optional.empty();
  }

  private Optional<List<ReleaseFile>> indexed(String tarballDigest) throws IOException {
    Path index = tarballIndex.resolve(tarballDigest);
    if (!Files.isRegularFile(index)) {
      return Optional.empty();
    }
    Map<String, String> units = new TreeMap<>();
    for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
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
  private void writeIndex(String tarballDigest, Map<String, String> units) throws IOException {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(units).forEach((name, digest) -> text.append(digest).append(' ').append(name).append('\n'));
    AtomicFiles.write(tarballIndex.resolve(tarballDigest), text.toString());
  }

}
