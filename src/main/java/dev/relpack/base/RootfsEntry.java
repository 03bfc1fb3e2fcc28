package dev.relpack.base;

import java.nio.file.Path;

/** One entry of a root file system being assembled: a directory, a file or a symlink. */
sealed interface RootfsEntry {
  /** Absolute path in the image. */
  String path();

  record Directory(String path, int mode) implements RootfsEntry {}

  /** A regular file whose bytes come from {@code source}. */
  record RegularFile(String path, Path source, int mode) implements RootfsEntry {}

  /** A regular file with the given content (generated, e.g. /etc/passwd). */
  record Generated(String path, byte[] content, int mode) implements RootfsEntry {}

  record Symlink(String path, String target) implements RootfsEntry {}
}
