package dev.relpack.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads a release from a directory or a tarball into a {@link Release} whose files sit in the
 * content store. A tarball already read once is not unpacked again: its units are found through an
 * index keyed by the tarball's SHA-256.
 */
public final class ReleaseReader {
  private final ContentStore store;
  private final Path tarballIndex;
  private final ExtractionLimits limits;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param cacheRoot where unpacked content and indexes are kept (shared by concurrent builds)
   */
  public ReleaseReader(Path cacheRoot, ExtractionLimits limits) {
    this.store = new ContentStore(cacheRoot);
    this.tarballIndex = cacheRoot.resolve("tarballs");
    this.limits = limits;
  }

  public Release read(Path input) {
    if (Files.isDirectory(input)) {
      return readDirectory(input, input.toString());
    }
    if (Files.isRegularFile(input)) {
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

  private Release readTarball(Path tarball) {
    String display = tarball.toString();
    try {
      String digest = Sha256.of(tarball);
      Optional<List<ReleaseFile>> indexed = indexed(digest);
      if (indexed.isPresent()) {
        Release release = ReleaseInspector.inspect(ReleaseTree.of(indexed.get()), display);
        return release.withFiles(indexed.get());
      }
      Path staging = store.newStagingDirectory();
      try {
        TarballExtractor.extract(tarball, staging, limits);
        Stored stored = readAndStore(releaseRoot(staging), display);
        writeIndex(digest, stored.unitDigests());
        return stored.release();
      } finally {
        ContentStore.deleteRecursively(staging);
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

  private Optional<List<ReleaseFile>> indexed(String tarballDigest) throws IOException {
    Path index = tarballIndex.resolve(tarballDigest + ".json");
    if (!Files.isRegularFile(index)) {
      return Optional.empty();
    }
    TarballIndex entry = json.readValue(index.toFile(), TarballIndex.class);
    if (!entry.units().values().stream().allMatch(d -> store.unit(d).isPresent())) {
      return Optional.empty(); // part of the cache was deleted: unpack again
    }
    return Optional.of(store.load(entry.units()));
  }

  private void writeIndex(String tarballDigest, Map<String, String> units) throws IOException {
    Files.createDirectories(tarballIndex);
    Path tmp = Files.createTempFile(tarballIndex, tarballDigest, ".tmp");
    json.writeValue(tmp.toFile(), new TarballIndex(new TreeMap<>(units)));
    Files.move(tmp, tarballIndex.resolve(tarballDigest + ".json"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** What the cache remembers of an unpacked tarball: unit name to unit digest. */
  record TarballIndex(Map<String, String> units) {}
}
