package dev.relpack.engine;

import dev.relpack.image.JibImageBuilder;
import java.nio.file.Path;
import java.util.Map;

/** Where relpack keeps unpacked releases, built bases and jib's layer caches. */
public final class CacheDirectory {
  /** Bumped when the layout below changes, so an old cache is never misread. */
  private static final String LAYOUT = "v1";

  private CacheDirectory() {}

  /** {@code $XDG_CACHE_HOME/relpack}, else {@code ~/.cache/relpack}. */
  public static Path defaultFor(Map<String, String> env, Path home) {
    String xdg = env.get("XDG_CACHE_HOME");
    return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache")).resolve("relpack");
  }

  /** The versioned root inside a cache directory. */
  static Path root(Path cacheDir) {
    return cacheDir.resolve(LAYOUT);
  }

  /** Whether a build has already used this cache (so it is one that is kept between builds). */
  public static boolean hasBuilt(Path cacheDir) {
    // the directory's name only: loading JibImageBuilder would cost the launcher's JVM ~2 ms
    return java.nio.file.Files.isDirectory(root(cacheDir).resolve(JibImageBuilder.APPLICATION_CACHE));
  }
}
