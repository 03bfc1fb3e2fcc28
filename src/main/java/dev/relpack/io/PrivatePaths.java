package dev.relpack.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a file or directory can only have been written by given users: what relpack asks of
 * anything it keeps outside the shared cache and believes later (the JVM archives, the host
 * base's package owners, the seals of cache entries), and how such a file is read and written.
 */
public final class PrivatePaths {
  private PrivatePaths() {}

  /** Not a symlink, owned by one of these user ids, and writable by no group and no other user. */
  public static boolean ownedAndUnshared(Path path, Set<Integer> owners) {
    try {
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      // no stream or method reference: the launcher's JVM calls this before it has any lambda
      Set<PosixFilePermission> permissions = attrs.permissions();
      return !attrs.isSymbolicLink() && owners.contains(owner)
          && !permissions.contains(PosixFilePermission.GROUP_WRITE)
          && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Owned by this process's user alone, as {@link #ownedAndUnshared}; false if it cannot tell. */
  public static boolean mine(Path path) {
    return processUid().map(uid -> ownedAndUnshared(path, Set.of(uid))).orElse(false);
  }

  /**
   * The bytes of {@code file}, when it is a regular file and it and its directory are this user's
   * alone ({@link #mine}); empty otherwise, as if it were not there.
   */
  public static Optional<byte[]> readMine(Path file) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !mine(file.getParent())
        || !mine(file)) {
      return Optional.empty();
    }
    return Optional.of(Files.readAllBytes(file));
  }

  /**
   * Writes {@code file} whole (atomically, mode 0600) in its directory, made 0700 when missing;
   * writes nothing when that directory is not this user's alone.
   *
   * @return whether it was written
   */
  public static boolean writeMine(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    if (!mine(file.getParent())) {
      return false;
    }
    AtomicFiles.write(file, bytes);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return true;
  }

  /** This process's user id, read from /proc (no native call); empty where it cannot be. */
  public static Optional<Integer> processUid() {
    try {
      return Optional.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
