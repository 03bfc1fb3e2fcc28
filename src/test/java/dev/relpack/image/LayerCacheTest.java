package dev.relpack.image;

import dev.relpack.publish.BuildListener;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.io.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries of jib's caches, laid out as jib lays them out, found changed or intact. */
class LayerCacheTest {
  @TempDir Path work;
  private final List<String> warnings = new ArrayList<>();

  private LayerCache cache() {
    return new LayerCache(work.resolve("application"), work.resolve("base"), work.resolve("tmp"),
        new BuildListener() {
          @Override
          public void progress(double fraction, String task) {}

          @Override
          public void warn(String message) {
            warnings.add(message);
          }

          @Override
          public void debug(String message) {}
        });
  }

  /** A layer entry holding {@code content} under the digest of {@code claimed}. */
  private Path entry(String cache, boolean local, String claimed, String content) throws Exception {
    String digest = Sha256.of(claimed);
    String diffId = Sha256.of("uncompressed " + claimed);
    Path file = local
        ? work.resolve(cache).resolve("local").resolve(diffId).resolve(digest)
        : work.resolve(cache).resolve("layers").resolve(digest).resolve(diffId);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    return file;
  }

  @Test
  void anIntactEntryStaysEvenWhenARegistryRefusedItsBlob() throws Exception {
    Path intact = entry("application", false, "layer", "layer");

    assertFalse(cache().evictIfCorrupt("sha256:" + Sha256.of("layer")));

    assertTrue(Files.exists(intact));
    assertEquals(List.of(), warnings);
  }

  @Test
  void changedEntriesOfBothCachesAndBothLayoutsAreReportedAndRemoved() throws Exception {
    Path built = entry("application", false, "layer", "changed");
    Path pulled = entry("base", false, "layer", "changed too");
    Path local = entry("base", true, "layer", "and this");

    assertTrue(cache().evictIfCorrupt("sha256:" + Sha256.of("layer")));

    for (Path file : List.of(built, pulled, local)) {
      assertFalse(Files.exists(file.getParent()), file.getParent() + " removed");
    }
    assertEquals(3, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(built.getParent().toString()), warnings.get(0));
    try (var left = Files.list(work.resolve("tmp"))) {
      assertEquals(List.of(), left.toList(), "nothing left aside");
    }
  }

  @Test
  void aBlobMatchesOnlyWhenItIsARegularFileWithItsDigest() throws Exception {
    Path file = entry("application", false, "layer", "layer");
    assertTrue(LayerCache.matches(file, Sha256.of("layer")));
    assertFalse(LayerCache.matches(file, Sha256.of("other")));
    Path link = file.resolveSibling("link");
    Files.createSymbolicLink(link, file);
    assertFalse(LayerCache.matches(link, Sha256.of("layer")));
  }
}
