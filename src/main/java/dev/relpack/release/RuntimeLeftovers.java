package dev.relpack.release;

import java.util.List;
import java.util.function.Predicate;

/**
 * Files that are in a release directory but are not part of the release: what the release wrote
 * while it ran on the build machine (mix {@code tmp/}, distillery {@code var/}, exrm and relx
 * {@code log/}, exrm {@code running-config/}) and the release tarball that distillery, exrm and
 * relx write inside the release itself. None of them goes into an image, and leaving them out
 * keeps a directory and its tarball giving the same image.
 */
final class RuntimeLeftovers {
  private RuntimeLeftovers() {}

  /** Whether a path (relative to the release root) is a leftover of this release. */
  static Predicate<String> of(Release release) {
    String ownTarball = switch (release.kind()) {
      case MIX -> null;
      case RELX -> release.name() + "-" + release.version() + ".tar.gz";
      case DISTILLERY, EXRM -> "releases/" + release.version() + "/" + release.name() + ".tar.gz";
    };
    List<String> dirs = switch (release.kind()) {
      case MIX -> List.of("tmp");
      case DISTILLERY -> List.of("tmp", "var");
      case EXRM -> List.of("tmp", "var", "log", "running-config");
      case RELX -> List.of("tmp", "log");
    };
    // asked of every file a build reads (a warm build's 646): a loop, no stream or concatenation
    // per file, which cost a fresh JVM about 10 ms of a change build's reading of the release
    return path -> path.equals(ownTarball) || inAny(path, dirs);
  }

  /** Whether {@code path} is one of {@code dirs} or lies under one. */
  private static boolean inAny(String path, List<String> dirs) {
    for (String dir : dirs) {
      if (path.startsWith(dir)
          && (path.length() == dir.length() || path.charAt(dir.length()) == '/')) {
        return true;
      }
    }
    return false;
  }
}
