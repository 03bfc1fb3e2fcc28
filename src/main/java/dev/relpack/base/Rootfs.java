package dev.relpack.base;

import dev.relpack.base.RootfsEntry.Directory;
import dev.relpack.base.RootfsEntry.Generated;
import dev.relpack.base.RootfsEntry.RegularFile;
import dev.relpack.base.RootfsEntry.Symlink;
import dev.relpack.io.PosixModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A root file system assembled from a machine's files. Paths are copied with every symlink on the
 * way kept as a symlink ({@code /lib -> usr/lib}, {@code libncursesw.so.6 -> libncursesw.so.6.4},
 * {@code awk -> /etc/alternatives/awk}), so the loader and scripts find things where they would on
 * that machine.
 */
final class Rootfs {
  private static final int MAX_LINKS = 40;
  private final Path machineRoot;
  private final TreeMap<String, RootfsEntry> entries = new TreeMap<>();

  Rootfs(Path machineRoot) {
    this.machineRoot = machineRoot;
  }

  /** Copies a machine path (file or directory entry) and the symlinks leading to it. */
  void copyFromMachine(String absolutePath) throws IOException {
    copy(normalise(absolutePath), 0);
  }

  /**
   * Copies a machine directory and everything under it; symlinks inside it are kept as symlinks
   * (the Erlang root links bin/epmd to ../erts-VSN/bin/epmd, for one).
   */
  void copyTreeFromMachine(String directory) throws IOException {
    copyFromMachine(directory);
    Path realRoot = machineRoot.toRealPath();
    Path real = machineRoot.resolve(directory.substring(1)).toRealPath();
    try (var walk = Files.walk(real)) {
      for (Path path : walk.toList()) {
        String inImage = "/" + realRoot.relativize(path);
        PosixFileAttributes attrs =
            Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) {
          put(new Symlink(inImage, Files.readSymbolicLink(path).toString()));
        } else if (attrs.isDirectory()) {
          entries.putIfAbsent(inImage, new Directory(inImage, 0755));
        } else if (attrs.isRegularFile()) {
          put(new RegularFile(inImage, path, PosixModes.isExecutable(attrs) ? 0755 : 0644));
        }
      }
    }
  }

  void directory(String path, int mode) {
    put(new Directory(resolved(path), mode));
  }

  void generated(String path, byte[] content, int mode) {
    put(new Generated(resolved(path), content, mode));
  }

  /** A symlink at {@code path} (through symlinks already here) unless something is there. */
  void symlinkIfAbsent(String path, String target) {
    String at = resolved(path);
    if (!entries.containsKey(at)) {
      put(new Symlink(at, target));
    }
  }

  boolean contains(String path) {
    return entries.containsKey(resolved(path));
  }

  /** Every entry in path order, with missing parent directories added (0755). */
  List<RootfsEntry> entries() {
    TreeMap<String, RootfsEntry> all = new TreeMap<>(entries);
    for (String path : entries.keySet()) {
      for (String parent = parent(path); !parent.equals("/"); parent = parent(parent)) {
        all.putIfAbsent(parent, new Directory(parent, 0755));
      }
    }
    return new ArrayList<>(all.values());
  }

  private void copy(String path, int links) throws IOException {
    if (links > MAX_LINKS) {
      throw new IOException("too many levels of symlinks at " + path);
    }
    String current = "";
    String[] parts = path.substring(1).split("/");
    for (int i = 0; i < parts.length; i++) {
      current = current + "/" + parts[i];
      Path onMachine = machineRoot.resolve(current.substring(1));
      PosixFileAttributes attrs =
          Files.readAttributes(onMachine, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs.isSymbolicLink()) {
        String target = Files.readSymbolicLink(onMachine).toString();
        put(new Symlink(current, target));
        String targetPath = target.startsWith("/") ? target : parent(current) + "/" + target;
        String rest = String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
        copy(normalise(rest.isEmpty() ? targetPath : targetPath + "/" + rest), links + 1);
        return;
      }
      if (attrs.isDirectory()) {
        entries.putIfAbsent(current, new Directory(current, 0755));
      } else if (attrs.isRegularFile() && i == parts.length - 1) {
        put(new RegularFile(current, onMachine, PosixModes.isExecutable(attrs) ? 0755 : 0644));
      } else {
        throw new IOException(current + " is not a file, directory or symlink");
      }
    }
  }

  private void put(RootfsEntry entry) {
    RootfsEntry existing = entries.get(entry.path());
    if (existing != null && existing.getClass() != entry.getClass()) {
      throw new dev.relpack.error.InternalException(entry.path() + " would be both a "
          + existing.getClass().getSimpleName() + " and a " + entry.getClass().getSimpleName()
          + " in the host base", null);
    }
    entries.put(entry.path(), entry);
  }

  /** {@code path} with any of its parents that are symlinks here replaced by their targets. */
  private String resolved(String path) {
    String normal = normalise(path);
    for (int guard = 0; guard < MAX_LINKS; guard++) {
      String prefix = "";
      boolean changed = false;
      for (String part : normal.substring(1).split("/")) {
        String next = prefix + "/" + part;
        if (entries.get(next) instanceof Symlink link && !next.equals(normal)) {
          String target = link.target().startsWith("/") ? link.target()
              : parent(next) + "/" + link.target();
          normal = normalise(target + normal.substring(next.length()));
          changed = true;
          break;
        }
        prefix = next;
      }
      if (!changed) {
        return normal;
      }
    }
    return normal;
  }

  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  static String normalise(String path) {
    return Path.of("/").resolve(path).normalize().toString();
  }
}
