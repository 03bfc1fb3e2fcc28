package dev.relpack.release;

import dev.relpack.io.Printable;
import dev.relpack.io.PosixModes;
import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Lists a release directory as {@link ReleaseFile}s in path order. Symlinks are resolved and listed
 * as copies of what they point to (as {@code mix release --tar} does), but only when they resolve
 * inside the release; devices, fifos and sockets are refused.
 */
final class ReleaseTreeWalker {
  private final Path realRoot;
  private final String displayRoot;
  private final Predicate<String> skipped;
  private final ExtractionLimits limits;
  private final List<ReleaseFile> files = new ArrayList<>();
  private long bytes;

  private ReleaseTreeWalker(
      Path realRoot, String displayRoot, Predicate<String> skipped, ExtractionLimits limits) {
    this.realRoot = realRoot;
    this.displayRoot = displayRoot;
    this.skipped = skipped;
    this.limits = limits;
  }

  /**
   * Every file and directory under {@code root}, skipping the paths {@code skip} accepts (and
   * everything under them).
   *
   * @param displayRoot how to name the release in messages (the path the user gave)
   */
  static List<ReleaseFile> walk(
      Path root, String displayRoot, Predicate<String> skip, ExtractionLimits limits) {
    try {
      ReleaseTreeWalker walker =
          new ReleaseTreeWalker(root.toRealPath(), displayRoot, skip, limits);
      walker.visit(walker.realRoot, "", new HashSet<>());
      return List.copyOf(walker.files);
    } catch (IOException e) {
      throw new BadInputException("cannot read release " + displayRoot + ": " + e.getMessage(), e);
    }
  }

  private void visit(Path dir, String prefix, Set<Path> ancestors) throws IOException {
    ancestors.add(dir);
    for (Path child : sortedChildren(dir)) {
      String rel = prefix + child.getFileName();
      if (FileNames.hasControlCharacter(rel)) {
        throw bad("a file name has a control character in it: " + Printable.of(rel));
      }
      if (skipped.test(rel)) {
        continue;
      }
      visitEntry(child, rel, ancestors);
    }
    ancestors.remove(dir);
  }

  private void visitEntry(Path child, String rel, Set<Path> ancestors) throws IOException {
    PosixFileAttributes attrs =
        Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Path real = child;
    if (attrs.isSymbolicLink()) {
      real = resolveSymlink(child, rel);
      attrs = Files.readAttributes(real, PosixFileAttributes.class);
    }
    if (attrs.isDirectory()) {
      if (ancestors.contains(real)) {
        throw bad(rel + " is a symlink loop");
      }
      add(new ReleaseFile(rel, real, true, false), 0);
      visit(real, rel + "/", ancestors);
    } else if (attrs.isRegularFile()) {
      add(new ReleaseFile(rel, real, false, PosixModes.isExecutable(attrs)), attrs.size());
    } else {
      throw bad(rel + " is a device, fifo or socket; a release holds only files, directories and"
          + " symlinks");
    }
  }

  private Path resolveSymlink(Path link, String rel) throws IOException {
    Path target = Files.readSymbolicLink(link);
    Path real;
    try {
      real = link.toRealPath();
    } catch (NoSuchFileException e) {
      // Named by where its text leads: whether an escaping target exists depends on where the
      // release happens to lie, and the message must not. (link's parent is a real path.)
      if (!link.getParent().resolve(target).normalize().startsWith(realRoot)) {
        throw outside(rel, target);
      }
      throw bad("symlink " + rel + " -> " + target + " points to nothing; fix or remove it");
    }
    if (!real.startsWith(realRoot)) {
      throw outside(rel, target);
    }
    return real;
  }

  private BadInputException outside(String rel, Path target) {
    return bad("symlink " + rel + " -> " + target + " points outside the release;"
        + " a release must be self-contained");
  }

  private void add(ReleaseFile file, long size) {
    bytes += size;
    if (files.size() >= limits.maxEntries()) {
      throw bad("it has more than " + limits.maxEntries() + " files; is this really a release?");
    }
    if (bytes > limits.maxBytes()) {
      throw bad("it is larger than " + (limits.maxBytes() >> 20) + " MiB; is this really a release?");
    }
    files.add(file);
  }

  private BadInputException bad(String what) {
    return new BadInputException("release " + displayRoot + ": " + what);
  }

  private static List<Path> sortedChildren(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      // each name made once, not twice per comparison (a directory of 1,000 files: 20,000)
      return children.map(child -> Map.entry(child.getFileName().toString(), child))
          .sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
