package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheDirectoryTest {
  private static final Path HOME = Path.of("/home/someone");

  @Test
  void xdgCacheHomeWins() {
    assertEquals(Path.of("/var/cache/ci/relpack"),
        CacheDirectory.defaultFor(Map.of("XDG_CACHE_HOME", "/var/cache/ci"), HOME));
  }

  @Test
  void homeCacheWithoutXdgCacheHome() {
    assertEquals(Path.of("/home/someone/.cache/relpack"), CacheDirectory.defaultFor(Map.of(), HOME));
  }

  @Test
  void aBlankXdgCacheHomeCountsAsUnset() {
    assertEquals(Path.of("/home/someone/.cache/relpack"),
        CacheDirectory.defaultFor(Map.of("XDG_CACHE_HOME", ""), HOME));
    assertEquals(Path.of("/home/someone/.cache/relpack"),
        CacheDirectory.defaultFor(Map.of("XDG_CACHE_HOME", "  "), HOME));
  }

  @Test
  void theVersionedRootIsOneLevelInside() {
    Path cache = Path.of("/tmp/c");
    Path root = CacheDirectory.root(cache);
    assertEquals(cache, root.getParent());
    assertNotEquals(cache, root);
    assertTrue(root.getFileName().toString().matches("v\\d+"), root.toString());
  }
}
