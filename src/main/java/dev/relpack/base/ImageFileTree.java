package dev.relpack.base;

import dev.relpack.base.LayerIndex.Directory;
import dev.relpack.base.LayerIndex.Entry;
import dev.relpack.base.LayerIndex.HardLink;
import dev.relpack.base.LayerIndex.Opaque;
import dev.relpack.base.LayerIndex.RegularFile;
import dev.relpack.base.LayerIndex.Symlink;
import dev.relpack.base.LayerIndex.Whiteout;
import dev.relpack.elf.ElfFile;
import dev.relpack.elf.RootFileSystem;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image's root file system, made by applying its layers in order as an OCI runtime does: an
 * entry replaces what a lower layer had at its path (a directory over a directory keeps the lower
 * one's children); {@code .wh.NAME} deletes NAME and everything under it from the lower layers;
 * {@code .wh..wh..opq} hides what the lower layers put in its directory; a hard link shares its
 * target's content as the tree holds it when the link is applied. Directories a path implies
 * exist even when the layer has no entry for them. An entry whose directory is reached through a
 * symlink of a lower layer ({@code lib/x.so} over {@code /lib -> usr/lib}) lands where the link
 * leads, as containerd extracts it.
 *
 * <p>Lookups resolve every component of a path, symlinks included, inside the image: an absolute
 * target starts again at the image's root and {@code ..} at the root stays there, so nothing
 * leads outside it (and this machine's files are never read). At most {@link #MAX_LINKS} links
 * are followed for one path, as Linux does; a loop leads nowhere.
 */
public final class ImageFileTree implements RootFileSystem {
  /** Linux's MAXSYMLINKS. */
  static final int MAX_LINKS = 40;

  private sealed interface Node permits Dir, FileNode, LinkNode, OtherNode {}

  private static final class Dir implements Node {
    final Map<String, Node> children = new HashMap<>();
  }

  private record FileNode(RegularFile file) implements Node {}

  private record LinkNode(String target) implements Node {}

  private record OtherNode() implements Node {}

  /** Where a path led: the node and its path with every link resolved. */
  private record Resolved(Node node, String path) {}

  private final Dir root = new Dir();

  private ImageFileTree() {}

  /** The file system the layers make, bottom layer first. */
  public static ImageFileTree of(List<LayerIndex> layers) {
    ImageFileTree tree = new ImageFileTree();
    for (LayerIndex layer : layers) {
      tree.apply(layer);
    }
    return tree;
  }

  private void apply(LayerIndex layer) {
    // whiteouts and opaque markers act on the layers below only, wherever the tar puts them
    for (Entry entry : layer.entries()) {
      if (entry instanceof Whiteout whiteout) {
        delete(whiteout.path());
      } else if (entry instanceof Opaque opaque) {
        makeOpaque(opaque.path());
      }
    }
    Parents parents = new Parents();
    for (Entry entry : layer.entries()) {
      if (entry.path().equals("/") || entry instanceof Whiteout || entry instanceof Opaque) {
        continue; // the root is always a directory; whiteouts are applied
      }
      Node node = newNode(entry);
      if (node == null) {
        continue; // a hard link to nothing: the runtime fails to extract it, nothing is there
      }
      Dir parent = parents.of(LayerPaths.parent(entry.path()));
      String name = LayerPaths.name(entry.path());
      Node existing = parent.children.get(name);
      if (existing instanceof Dir && node instanceof Dir) {
        continue; // a directory over a directory keeps what is in it
      }
      if (existing instanceof Dir || existing instanceof LinkNode) {
        parents.forget(); // a directory the cache may hold is gone or reached differently
      }
      parent.children.put(name, node);
    }
  }

  private Node newNode(Entry entry) {
    if (entry instanceof RegularFile file) {
      return new FileNode(file);
    } else if (entry instanceof Symlink link) {
      return new LinkNode(link.target());
    } else if (entry instanceof HardLink link) {
      return sharedContent(link.target());
    } else if (entry instanceof Directory) {
      return new Dir();
    }
    return new OtherNode();
  }

  /** Directories entries go into; the last one is kept, as tars list siblings together. */
  private final class Parents {
    private String lastPath;
    private Dir lastDir;

    Dir of(String path) {
      if (!path.equals(lastPath)) {
        lastDir = directoryForWriting(path);
        lastPath = path;
      }
      return lastDir;
    }

    void forget() {
      lastPath = null;
    }
  }

  /**
   * The directory at {@code path}, following links of the tree, and made where it is missing or
   * something else is in the way (as an extractor makes a file's parent directories).
   */
  private Dir directoryForWriting(String path) {
    Dir dir = root;
    if (path.equals("/")) {
      return dir;
    }
    int start = 1;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      end = end < 0 ? path.length() : end;
      String name = path.substring(start, end);
      Node child = dir.children.get(name);
      if (child instanceof LinkNode) {
        Resolved target = resolve(path.substring(0, end), true);
        child = target == null ? null : target.node();
        if (!(child instanceof Dir)) {
          child = null;
        }
      }
      if (child instanceof Dir next) {
        dir = next;
      } else {
        Dir made = new Dir();
        dir.children.put(name, made);
        dir = made;
      }
      start = end + 1;
    }
    return dir;
  }

  private void delete(String path) {
    Resolved parent = resolve(LayerPaths.parent(path), true);
    if (parent != null && parent.node() instanceof Dir dir) {
      dir.children.remove(LayerPaths.name(path));
    }
  }

  private void makeOpaque(String path) {
    if (path.equals("/")) {
      root.children.clear();
      return;
    }
    Dir parent = directoryForWriting(LayerPaths.parent(path));
    String name = LayerPaths.name(path);
    if (parent.children.get(name) instanceof Dir dir) {
      dir.children.clear();
    } else {
      parent.children.put(name, new Dir());
    }
  }

  /** What a hard link to {@code target} holds: the file there now, or null if there is none. */
  private Node sharedContent(String target) {
    Resolved resolved = resolve(target, true);
    return resolved != null && resolved.node() instanceof FileNode file ? file : null;
  }

  /**
   * Walks {@code absolute} from the root, following every link on it (the last one only when
   * {@code followLast}); null when it leads to nothing, through a non-directory, or round too
   * many links.
   */
  private Resolved resolve(String absolute, boolean followLast) {
    Deque<String> pending = new ArrayDeque<>(List.of(absolute.split("/")));
    List<Dir> dirs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    dirs.add(root);
    Node current = root;
    int links = 0;
    while (!pending.isEmpty()) {
      String name = pending.pollFirst();
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (!(current instanceof Dir)) {
        return null; // a file in the middle of a path: ENOTDIR
      }
      if (name.equals("..")) {
        if (dirs.size() > 1) {
          dirs.remove(dirs.size() - 1);
          names.remove(names.size() - 1);
        }
        current = dirs.get(dirs.size() - 1);
        continue;
      }
      Node child = ((Dir) current).children.get(name);
      if (child == null) {
        return null;
      }
      if (child instanceof LinkNode link && (followLast || !onlyTrivial(pending))) {
        if (++links > MAX_LINKS || link.target().isEmpty()) {
          return null;
        }
        String[] parts = link.target().split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          pending.addFirst(parts[i]);
        }
        if (link.target().startsWith("/")) {
          dirs.subList(1, dirs.size()).clear();
          names.clear();
          current = root;
        }
        continue;
      }
      names.add(name);
      if (child instanceof Dir dir) {
        dirs.add(dir);
      }
      current = child;
    }
    return new Resolved(current, "/" + String.join("/", names));
  }

  private static boolean onlyTrivial(Deque<String> pending) {
    for (String name : pending) {
      if (!name.isEmpty() && !name.equals(".")) {
        return false;
      }
    }
    return true;
  }

  private Optional<Node> node(String absolute) {
    Resolved resolved = resolve(absolute, true);
    return resolved == null ? Optional.empty() : Optional.of(resolved.node());
  }

  private Optional<RegularFile> file(String absolute) {
    return node(absolute).filter(FileNode.class::isInstance).map(n -> ((FileNode) n).file());
  }

  @Override
  public Optional<String> realPath(String absolute) {
    Resolved resolved = resolve(absolute, true);
    return resolved == null ? Optional.empty() : Optional.of(resolved.path());
  }

  @Override
  public boolean isRegularFile(String absolute) {
    return file(absolute).isPresent();
  }

  @Override
  public boolean isDirectory(String absolute) {
    return node(absolute).filter(Dir.class::isInstance).isPresent();
  }

  @Override
  public boolean isExecutable(String absolute) {
    return file(absolute).filter(RegularFile::executable).isPresent();
  }

  @Override
  public Optional<ElfFile> elf(String absolute) {
    return file(absolute).flatMap(RegularFile::elf);
  }

  @Override
  public Optional<String> text(String absolute, long maxBytes) {
    return file(absolute).filter(file -> file.size() <= maxBytes).flatMap(RegularFile::text);
  }

  @Override
  public List<String> list(String directory) {
    return node(directory).filter(Dir.class::isInstance)
        .map(dir -> ((Dir) dir).children.keySet().stream().sorted().toList())
        .orElse(List.of());
  }
}
