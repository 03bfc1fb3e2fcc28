package dev.relpack.cli;

import dev.relpack.engine.StateDirectory;
import dev.relpack.io.PrivatePaths;
import java.io.IOException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the launcher keeps the JVM class-data archive, and whether one found there may be used.
 * An archive is code: the JVM takes classes from it after checking only the jar's path, size and
 * mtime, so a planted one runs inside the build, next to the job's registry credentials. It is
 * therefore never kept in the cache directory (GitLab shares that between jobs and branches), but
 * in this user's state directory, and used only when the directory and the file belong to this
 * user and nobody else can write them.
 */
final class JvmArchives {
  private static final String CHECKSUM = ".crc32c";
  /** The classes a build loaded, for the archive made after it returned ({@link ArchiveMaker}). */
  private static final String CLASS_LIST = ".classlist";
  /** What a killed build or maker left (a class list, a half-written archive) goes after a day. */
  private static final Duration LEFTOVER_AGE = Duration.ofDays(1);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final int uid;

  private JvmArchives(Path dir, int uid) {
    this.dir = dir;
    this.uid = uid;
  }

  /**
   * {@code $XDG_STATE_HOME/relpack/jvm}, else {@code ~/.local/state/relpack/jvm}; empty when this
   * process's user id cannot be told (then no archive is used at all).
   */
  static Optional<JvmArchives> forUser(Map<String, String> env, Path home) {
    Path dir = StateDirectory.of(env, home).resolve("jvm");
    Optional<Integer> uid = PrivatePaths.processUid();
    return uid.isPresent() ? Optional.of(new JvmArchives(dir, uid.get())) : Optional.empty();
  }

  Path dir() {
    return dir;
  }

  /**
   * The archive of this name, if only this user can have written it and it is whole: its CRC32C
   * matches the one recorded when it was kept (a damaged archive crashes the JVM; CRC32C is
   * computed by the processor, a few ms for the ~15 MB archive). A damaged one is removed.
   */
  Optional<Path> trusted(String name) {
    Path archive = dir.resolve(name);
    Path checksum = dir.resolve(name + CHECKSUM);
    // most launches have none (the packaged one serves): java.io tells that at the least cost
    if (!archive.toFile().isFile()) {
      return Optional.empty();
    }
    if (!isPrivate(dir) || !isPrivate(archive) || !isPrivate(checksum)) {
      return Optional.empty();
    }
    try {
      if (readSmall(checksum).equals(crc32c(archive))) {
        return Optional.of(archive);
      }
      Files.deleteIfExists(archive);
    } catch (IOException | RuntimeException e) {
      // unreadable: not used
    }
    return Optional.empty();
  }

  /**
   * Puts a freshly dumped archive in place with its checksum, readable by this user only, and
   * drops archives unused for a month (another JDK or relpack version keeps its own while it is
   * used: each use touches it).
   */
  void keep(Path dumped, String name) throws IOException {
    if (!Files.isRegularFile(dumped) || Files.size(dumped) == 0) {
      Files.deleteIfExists(dumped);
      return;
    }
    Files.setPosixFilePermissions(dumped, OWNER_ONLY); // whatever the umask
    Path checksum = dir.resolve(name + CHECKSUM);
    Path tmp = Files.createTempFile(dir, ".checksum", ".tmp",
        PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.writeString(tmp, crc32c(dumped));
    Files.move(tmp, checksum, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.move(dumped, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    FileTime monthAgo = FileTime.from(Instant.now().minus(Duration.ofDays(30)));
    try (Stream<Path> all = Files.list(dir)) {
      for (Path other : all.filter(p -> p.toString().endsWith(".jsa")).toList()) {
        if (Files.getLastModifiedTime(other).compareTo(monthAgo) < 0) {
          Files.deleteIfExists(other);
          Files.deleteIfExists(dir.resolve(other.getFileName() + CHECKSUM));
        }
      }
    }
  }

  /**
   * Where a build records the classes it loads (-XX:DumpLoadedClassList), in the private directory
   * (created if need be); empty if the directory is not private. The name is this process's own,
   * so builds running at once never share one.
   */
  Optional<Path> classList(String name) throws IOException {
    return writable().map(d -> d.resolve(name + "." + ProcessHandle.current().pid() + CLASS_LIST));
  }

  /** Removes class lists and half-written archives that a killed build or maker left behind. */
  void dropLeftovers() throws IOException {
    FileTime dayAgo = FileTime.from(Instant.now().minus(LEFTOVER_AGE));
    try (Stream<Path> all = Files.list(dir)) {
      for (Path file : all.filter(p -> p.toString().endsWith(CLASS_LIST)
          || p.toString().endsWith(".tmp")).toList()) {
        if (Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).compareTo(dayAgo) < 0) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /**
   * A small text file, read through java.io: Files.readString would load NIO's channel classes,
   * ~4 ms of the launcher's fresh JVM.
   */
  static String readSmall(Path file) throws IOException {
    try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  static String crc32c(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    // read through java.io in 64 KiB pieces: 9-10 ms for the 40 MB archive in the launcher's
    // fresh JVM, where mapping it (FileChannel's classes, a fault per page) took 21-25 ms
    byte[] buffer = new byte[1 << 16];
    try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
      }
    }
    return Long.toHexString(crc.getValue());
  }

  /** The directory, created for this user alone if need be; empty if it is not private. */
  Optional<Path> writable() throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return isPrivate(dir) ? Optional.of(dir) : Optional.empty();
  }

  /** Owned by this user, not a symlink, and writable by nobody else. */
  private boolean isPrivate(Path path) {
    return PrivatePaths.ownedAndUnshared(path, Set.of(uid));
  }
}
