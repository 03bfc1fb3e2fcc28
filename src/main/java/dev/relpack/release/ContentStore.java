package dev.relpack.release;

import dev.relpack.io.PosixModes;
import dev.relpack.error.InternalException;
import dev.relpack.io.FileTrees;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Keeps release content in the cache directory, one directory per <em>unit</em> ({@code erts-X},
 * each {@code lib/APP-VSN}, {@code bin}, {@code releases}, ...), named by the SHA-256 of the unit's
 * content. jib keys its layer cache on source paths and mtimes; giving it these stable paths makes
 * an unchanged app hit that cache whether the release came from a rebuilt directory or a new
 * tarball. Units are written to a temporary directory and renamed into place, so concurrent builds
 * and interrupted ones never see half a unit.
 */
public final class ContentStore {
  private final Path units;
  private final Path tmp;

  /** A store under {@code root} (the cache directory), created when first used. */
  public ContentStore(Path root) {
    this.units = root.resolve("units");
    this.tmp = root.resolve("tmp");
  }

  /** A fresh, empty directory on the store's file system, for staging work. */
  public Path newStagingDirectory() throws IOException {
    Files.createDirectories(tmp);
    return Files.createDirectory(tmp.resolve(UUID.randomUUID().toString()));
  }

  /** The directory holding the unit with this digest, if the store has it. */
  public Optional<Path> unit(String digest) {
    Path dir = units.resolve(digest);
    return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
  }

  /**
   * Stores the content of {@code files} (sources anywhere) and returns the same files with their
   * sources in the store, plus the digest of each unit.
   */
  public Materialized materialize(List<ReleaseFile> files) {
    Map<String, List<ReleaseFile>> byUnit = new LinkedHashMap<>();
    for (ReleaseFile file : files) {
      byUnit.computeIfAbsent(unitOf(file), k -> new ArrayList<>()).add(file);
    }
    List<ReleaseFile> stored = new ArrayList<>(files.size());
    Map<String, String> digests = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, List<ReleaseFile>> unit : byUnit.entrySet()) {
        String digest = digestOf(unit.getKey(), unit.getValue());
        Path dir = unit(digest).orElse(null);
        if (dir == null) {
          dir = store(unit.getKey(), unit.getValue(), digest);
        }
        digests.put(unit.getKey(), digest);
        for (ReleaseFile file : unit.getValue()) {
          stored.add(new ReleaseFile(file.path(), dir.resolve(inUnit(unit.getKey(), file.path())),
              file.directory(), file.executable()));
        }
      }
    } catch (IOException e) {
      throw new InternalException("cannot write to the cache " + units.getParent() + ": " + e.getMessage(), e);
    }
    stored.sort(Comparator.comparing(ReleaseFile::path));
    return new Materialized(List.copyOf(stored), Map.copyOf(digests));
  }

  /** The files of the units with these digests, as stored ({@code unit name -> digest}). */
  public List<ReleaseFile> load(Map<String, String> unitDigests) throws IOException {
    List<ReleaseFile> files = new ArrayList<>();
    for (Map.Entry<String, String> unit : unitDigests.entrySet()) {
      Path dir = unit(unit.getValue()).orElseThrow(() -> new IOException("unit missing"));
      String prefix = unit.getKey().isEmpty() ? "" : unit.getKey() + "/";
      for (ReleaseFile f : ReleaseTreeWalker.walk(dir, dir.toString(), p -> false, ExtractionLimits.DEFAULT)) {
        files.add(new ReleaseFile(prefix + f.path(), f.source(), f.directory(), f.executable()));
      }
      if (!unit.getKey().isEmpty()) {
        files.add(new ReleaseFile(unit.getKey(), dir, true, false));
      }
    }
    files.sort(Comparator.comparing(ReleaseFile::path));
    return List.copyOf(files);
  }

  /** The result of {@link #materialize}: stored files, and the digest of each unit by name. */
  public record Materialized(List<ReleaseFile> files, Map<String, String> unitDigests) {}

  /**
   * The unit a file belongs to: {@code lib/APP-VSN} for an application directory, else its
   * top-level directory ({@code lib} itself for plain files in it, such as {@code APP-VSN.ez}
   * archives); files at the top level share the unit {@code ""}.
   */
  static String unitOf(ReleaseFile file) {
    String[] parts = file.path().split("/", 3);
    if (parts.length == 1) {
      return file.directory() ? parts[0] : "";
    }
    boolean appDirectory = parts.length == 3 || file.directory();
    return parts[0].equals("lib") && appDirectory ? parts[0] + "/" + parts[1] : parts[0];
  }

  private static String inUnit(String unit, String path) {
    if (unit.isEmpty()) {
      return path;
    }
    return path.equals(unit) ? "" : path.substring(unit.length() + 1);
  }

  /** Digest of a unit's content: relative paths, kinds, exec bits and file hashes, in order. */
  private static String digestOf(String unit, List<ReleaseFile> files) throws IOException {
    StringBuilder manifest = new StringBuilder();
    for (ReleaseFile file : files.stream().sorted(Comparator.comparing(ReleaseFile::path)).toList()) {
      String rel = inUnit(unit, file.path());
      if (file.directory()) {
        manifest.append("d ").append(rel).append('\n');
      } else {
        manifest.append("f ").append(rel).append(file.executable() ? " x " : " - ")
            .append(Sha256.of(file.source())).append('\n');
      }
    }
    return Sha256.of(manifest.toString());
  }

  private Path store(String unit, List<ReleaseFile> files, String digest) throws IOException {
    Path staging = newStagingDirectory();
    try {
      for (ReleaseFile file : files.stream().sorted(Comparator.comparing(ReleaseFile::path)).toList()) {
        Path target = staging.resolve(inUnit(unit, file.path()));
        if (file.directory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(file.source(), target, StandardCopyOption.COPY_ATTRIBUTES);
          Files.setPosixFilePermissions(target, PosixModes.forFile(file.executable()));
        }
      }
      Files.createDirectories(units);
      Path dir = units.resolve(digest);
      try {
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the cache needs atomic renames within " + units.getParent(), e);
      } catch (FileSystemException e) {
        // Linux reports a rename onto a non-empty directory as a bare "Directory not empty":
        // whatever the exception, if the unit is there now another build stored it first.
        if (!Files.isDirectory(dir)) {
          throw e;
        }
      }
      return dir;
    } finally {
      FileTrees.deleteRecursively(staging); // gone if it was moved; a leftover if not
    }
  }

  /**
   * Deletes staging left in the cache by builds that were killed; only what is older than a day,
   * since a build running now may be using the rest.
   */
  public void sweepStaleStaging() {
    if (!Files.isDirectory(tmp)) {
      return;
    }
    FileTime dayAgo = FileTime.from(Instant.now().minus(Duration.ofDays(1)));
    try (Stream<Path> children = Files.list(tmp)) {
      for (Path child : children.toList()) {
        if (Files.getLastModifiedTime(child, LinkOption.NOFOLLOW_LINKS).compareTo(dayAgo) < 0) {
          FileTrees.deleteRecursively(child);
        }
      }
    } catch (IOException e) {
      // best effort: a leftover costs disk space, not correctness
    }
  }
}
