package dev.relpack.release;

import java.nio.file.Path;

/**
 * One file or directory of a release.
 *
 * @param path where it sits in the release, relative, with '/' separators (e.g. {@code bin/demo})
 * @param source where its bytes are on this machine (a regular file or directory, never a symlink)
 * @param directory whether it is a directory
 * @param executable whether the release marks it executable (any x bit); meaningless for directories
 */
public record ReleaseFile(String path, Path source, boolean directory, boolean executable) {

  /** The first component of the path ({@code lib}, {@code bin}, {@code erts-13.1.5}, ...). */
  public String topLevel() {
    int slash = path.indexOf('/');
    return slash < 0 ? path : path.substring(0, slash);
  }

  /** The file name, the last component of the path. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
