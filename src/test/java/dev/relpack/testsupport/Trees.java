package dev.relpack.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Copies of fixture directories that a test may change. */
public final class Trees {
  private Trees() {}

  /** Copies {@code from} to {@code to}, keeping modes and mtimes. */
  public static Path copy(Path from, Path to) throws IOException {
    return copy(from, to, rel -> false);
  }

  /** Copies {@code from} to {@code to}, leaving out relative paths {@code skip} accepts. */
  public static Path copy(Path from, Path to, Predicate<String> skip) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        String rel = from.relativize(p).toString();
        if (skip.test(rel)) {
          continue;
        }
        Path target = to.resolve(rel);
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return to;
  }
}
