package dev.relpack.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths into testdata/ (see testdata/make-fixtures.py and testdata/make-demo-release.sh). */
public final class Testdata {
  private Testdata() {}

  public static Path root() {
    String configured = System.getProperty("relpack.testdata");
    Path path = configured != null ? Path.of(configured) : Path.of("testdata");
    if (!Files.isDirectory(path)) {
      throw new IllegalStateException("testdata not found at " + path.toAbsolutePath());
    }
    return path.toAbsolutePath();
  }

  /** The demo release tarball built by the Debian elixir package. */
  public static Path demoTarball() {
    return root().resolve("releases/demo-0.1.0.tar.gz");
  }

  /** The demo mix project the tarball was built from. */
  public static Path demoProject() {
    return root().resolve("demo");
  }

  public static Path kind(String name) {
    return root().resolve("kinds").resolve(name);
  }

  /** An input built to attack the build machine (testdata/hostile, see make-fixtures.py). */
  public static Path hostile(String name) {
    return root().resolve("hostile").resolve(name);
  }

  public static Path bad(String name) {
    return root().resolve("bad").resolve(name);
  }
}
