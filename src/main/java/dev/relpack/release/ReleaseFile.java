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

  /** The file name, the last component of the path. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
