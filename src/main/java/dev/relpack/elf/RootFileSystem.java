package dev.relpack.elf;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A root file system as a dynamic loader and a shell see it: this machine's, or an image's, read
 * from its layers. Paths are absolute and normalised in that root. Symlinks are followed inside
 * it: an absolute target names the root's file, never this machine's, and a chain of links is
 * followed only so far (a loop leads nowhere).
 */
public interface RootFileSystem {
  /** Longest configuration file {@link #text} returns; the loader's files are a few lines. */
  int MAX_TEXT_BYTES = 1 << 20;

  /** The path with every symlink on it followed, when it leads to something that exists. */
  Optional<String> realPath(String absolute) throws IOException;

  /** Whether the path leads to a regular file. */
  boolean isRegularFile(String absolute) throws IOException;

  /** Whether the path leads to a directory. */
  boolean isDirectory(String absolute) throws IOException;

  /** Whether the path leads to a regular file with an execute bit set. */
  boolean isExecutable(String absolute) throws IOException;

  /** What the loader reads of the regular file at the path; empty when it is not ELF. */
  Optional<ElfFile> elf(String absolute) throws IOException;

  /**
   * The text of a small regular file (a loader configuration, {@code /etc/os-release}); empty
   * when there is none or it is longer than {@link #MAX_TEXT_BYTES}.
   */
  default Optional<String> text(String absolute) throws IOException {
    return text(absolute, MAX_TEXT_BYTES);
  }

  /**
   * The text of a regular file of at most {@code maxBytes} bytes, one char a byte (ISO-8859-1,
   * so the bytes come back unchanged); empty when there is none or it is longer. A caller that
   * needs more than {@link #MAX_TEXT_BYTES} (a package database) names its own bound; an image's
   * tree holds only the texts its layer index kept.
   */
  Optional<String> text(String absolute, long maxBytes) throws IOException;

  /** The names in the directory the path leads to, sorted; empty when it is no directory. */
  List<String> list(String directory) throws IOException;
}
