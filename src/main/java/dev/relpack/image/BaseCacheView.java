package dev.relpack.image;

import dev.relpack.io.FileTrees;
import dev.relpack.io.PrivatePaths;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * The base cache jib is given: the shared cache's base layers, but base image manifests and
 * configs of this user's own. For a base pinned by digest jib takes the manifest and config it
 * keeps ({@code images/}) without asking the registry or checking them against the digest, and
 * whoever can write a shared cache could make them name layers and settings of their own. So
 * jib's {@code images/} lives in this user's private state, beside links to the shared cache's
 * {@code layers/}, {@code local/} and {@code tmp/} (whose blobs are checked against their
 * digests). Where the private state cannot hold it, a view made for the one build, in a private
 * temporary directory removed after, makes jib read the manifest and config from the registry
 * again.
 */
final class BaseCacheView implements AutoCloseable {
  /** What jib keeps in a base cache besides {@code images/}. */
  private static final List<String> SHARED = List.of("layers", "local", "tmp");
  private final Path dir;
  private final boolean temporary;

  private BaseCacheView(Path dir, boolean temporary) {
    this.dir = dir;
    this.temporary = temporary;
  }

  /**
   * @param shared jib's base cache in the shared cache directory
   * @param own where this user's views are kept, in private state, one per shared cache; empty
   *     for a view per build, in a private temporary directory
   */
  static BaseCacheView of(Path shared, Optional<Path> own) throws IOException {
    Path cache = shared.toAbsolutePath().normalize(); // one spelling, for the key and the links
    // one view per cache directory: builds with other caches must not relink this one's
    Optional<Path> mine = own.map(dir -> dir.resolve(Sha256.of(cache.toString())));
    if (mine.isPresent() && linkedQuietly(mine.get(), cache)) {
      return new BaseCacheView(mine.get(), false);
    }
    // jib writes nothing but its manifests and configs in the view itself: it need not be on
    // the cache's file system, and must not be where others can write (the cache's scratch)
    Path once = Files.createTempDirectory("relpack-jib-base-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    if (!linked(once, cache)) {
      FileTrees.deleteRecursively(once);
      throw new IOException("cannot make a view of jib's base cache in " + once);
    }
    return new BaseCacheView(once, true);
  }

  /** The directory to give jib as its base cache. */
  Path dir() {
    return dir;
  }

  /** As {@link #linked}; false also when the state directory cannot be written. */
  private static boolean linkedQuietly(Path view, Path shared) {
    try {
      return linked(view, shared);
    } catch (IOException | RuntimeException e) {
      return false; // a read-only home: a view for this build instead
    }
  }

  /** Makes {@code view} link to the shared cache's entries; false if it is not this user's. */
  private static boolean linked(Path view, Path shared) throws IOException {
    Files.createDirectories(view, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    if (!PrivatePaths.mine(view)) {
      return false;
    }
    for (String name : SHARED) {
      Path target = shared.resolve(name);
      Files.createDirectories(target);
      Path link = view.resolve(name);
      if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
        continue;
      }
      if (Files.isSymbolicLink(link)) {
        Files.delete(link); // this user's own link, to where the cache was: made again
      } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        return false; // not made by relpack: left alone, and a view per build used instead
      }
      try {
        Files.createSymbolicLink(link, target);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // another build made it first
        if (!Files.isSymbolicLink(link) || !Files.readSymbolicLink(link).equals(target)) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public void close() {
    if (temporary) {
      try {
        // the links go, not what they point to
        for (String name : SHARED) {
          Files.deleteIfExists(dir.resolve(name));
        }
        FileTrees.deleteRecursively(dir);
      } catch (IOException e) {
        // scratch space left by this build is removed with the cache's other leftovers
      }
    }
  }
}
