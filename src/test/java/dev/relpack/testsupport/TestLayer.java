package dev.relpack.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One layer of a test image, entry by entry, exactly as it will be in the layer tarball: what a
 * test base holds is decided here, not by a tool that might add, merge or reorder entries.
 * Paths are absolute image paths ({@code /lib/x86_64-linux-gnu/libc.so.6}).
 */
public final class TestLayer {
  /** One tar entry of the layer. */
  public sealed interface Entry {
    String path();
  }

  /** A regular file with the bytes and mode of a file of this machine. */
  public record CopiedFile(String path, Path source) implements Entry {}

  /** A regular file with the given text. */
  public record TextFile(String path, String text, int mode) implements Entry {}

  public record Directory(String path, int mode) implements Entry {}

  /** A symbolic link whose target is written as given (absolute or relative). */
  public record Symlink(String path, String target) implements Entry {}

  /** A hard link to a file written earlier in the same layer. */
  public record HardLink(String path, String target) implements Entry {}

  /** {@code .wh.NAME}: deletes {@code path} from the layers below. */
  public record Whiteout(String path) implements Entry {}

  /** {@code DIR/.wh..wh..opq}: hides everything the layers below put in {@code dir}. */
  public record Opaque(String dir) implements Entry {
    @Override
    public String path() {
      return dir;
    }
  }

  private final List<Entry> entries = new ArrayList<>();

  public TestLayer copy(String path, Path source) {
    return add(new CopiedFile(path, source));
  }

  public TestLayer text(String path, String text, int mode) {
    return add(new TextFile(path, text, mode));
  }

  public TestLayer directory(String path, int mode) {
    return add(new Directory(path, mode));
  }

  public TestLayer symlink(String path, String target) {
    return add(new Symlink(path, target));
  }

  public TestLayer hardLink(String path, String target) {
    return add(new HardLink(path, target));
  }

  public TestLayer whiteout(String path) {
    return add(new Whiteout(path));
  }

  public TestLayer opaque(String dir) {
    return add(new Opaque(dir));
  }

  public TestLayer add(Entry entry) {
    if (!entry.path().startsWith("/")) {
      throw new IllegalArgumentException("image paths are absolute: " + entry.path());
    }
    entries.add(entry);
    return this;
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** Whether an entry of this layer is at {@code path}. */
  public boolean has(String path) {
    return entries.stream().anyMatch(e -> e.path().equals(path));
  }
}
