package dev.relpack.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
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
  private static final Set<PosixFilePermission> OTHERS_WRITE = Set.of(
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

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
    String xdg = env.get("XDG_STATE_HOME");
    Path state = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : home.resolve(".local/state");
    try {
      int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Optional.of(new JvmArchives(state.resolve("relpack/jvm"), uid));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  Path dir() {
    return dir;
  }

  /** The archive of this name, if it is there and only this user can have written it. */
  Optional<Path> trusted(String name) {
    Path archive = dir.resolve(name);
    return isPrivate(dir) && isPrivate(archive) ? Optional.of(archive) : Optional.empty();
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
    try {
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      return !attrs.isSymbolicLink() && owner == uid
          && attrs.permissions().stream().noneMatch(OTHERS_WRITE::contains);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
