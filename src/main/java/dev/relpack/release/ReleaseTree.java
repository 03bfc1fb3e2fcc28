package dev.relpack.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Looks up a release's files by relative path, whether they are in a directory or a list. */
interface ReleaseTree {
  long MAX_TEXT_BYTES = 1 << 20;

  boolean isFile(String path);

  boolean isDirectory(String path);

  /** The names of the direct children of a directory. */
  List<String> children(String dir) throws IOException;

  /** The text of a small file, if the release has it. */
  Optional<String> read(String path) throws IOException;

  static ReleaseTree of(Path root) {
    return new DirectoryTree(root);
  }

  static ReleaseTree of(Collection<ReleaseFile> files) {
    return new FileListTree(files);
  }

  /** Reads at most one byte past the limit, whatever size the file claims or grows to. */
  private static Optional<String> readSmall(Path file, String path) throws IOException {
    if (Files.size(file) > MAX_TEXT_BYTES) {
      throw tooLarge(path);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) MAX_TEXT_BYTES + 1);
    }
    if (bytes.length > MAX_TEXT_BYTES) {
      throw tooLarge(path);
    }
    return Optional.of(new String(bytes, StandardCharsets.ISO_8859_1));
  }

  private static IOException tooLarge(String path) {
    return new IOException(path + " is larger than " + MAX_TEXT_BYTES + " bytes");
  }

  /**
   * A release still in the directory it was built in (or unpacked to). Lookups that would leave
   * the release through a symlink find nothing: the walk refuses such links with a clear message.
   */
  record DirectoryTree(Path root) implements ReleaseTree {
    @Override
    public boolean isFile(String path) {
      return inside(path) && Files.isRegularFile(root.resolve(path));
    }

    @Override
    public boolean isDirectory(String path) {
      return inside(path) && Files.isDirectory(root.resolve(path));
    }

    private boolean inside(String path) {
      try {
        return root.resolve(path).toRealPath().startsWith(root.toRealPath());
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public List<String> children(String dir) throws IOException {
      try (Stream<Path> children = Files.list(root.resolve(dir))) {
        return children.map(p -> p.getFileName().toString()).sorted().toList();
      }
    }

    @Override
    public Optional<String> read(String path) throws IOException {
      return isFile(path) ? readSmall(root.resolve(path), path) : Optional.empty();
    }
  }

  /** A release as a list of files (e.g. in the content store). */
  final class FileListTree implements ReleaseTree {
    private final NavigableMap<String, ReleaseFile> byPath = new TreeMap<>();

    FileListTree(Collection<ReleaseFile> files) {
      for (ReleaseFile file : files) {
        byPath.put(file.path(), file);
      }
    }

    @Override
    public boolean isFile(String path) {
      ReleaseFile file = byPath.get(path);
      return file != null && !file.directory();
    }

    @Override
    public boolean isDirectory(String path) {
      ReleaseFile file = byPath.get(path);
      return file != null && file.directory();
    }

    @Override
    public List<String> children(String dir) {
      String prefix = dir.isEmpty() ? "" : dir + "/";
      return byPath.tailMap(prefix, false).entrySet().stream()
          .takeWhile(e -> e.getKey().startsWith(prefix))
          .map(Map.Entry::getKey)
          .filter(p -> p.indexOf('/', prefix.length()) < 0)
          .map(p -> p.substring(prefix.length()))
          .toList();
    }

    @Override
    public Optional<String> read(String path) throws IOException {
      return isFile(path) ? readSmall(byPath.get(path).source(), path) : Optional.empty();
    }
  }
}
