package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.cache.CachedLayer;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two facts {@code --cache-from} takes from jib: the diff ID of a layer as jib would write it,
 * computed without compressing, and the key jib's cache finds the layer under.
 */
class LayerReuseTest {
  @TempDir Path work;

  private FileEntriesLayer layer(String content) throws Exception {
    Path file = work.resolve("beam-" + content.hashCode());
    Files.writeString(file, content);
    return JibImageBuilder.fileEntries(new ImageLayer("app", List.of(
        new LayerEntry(file, "/app/lib/demo-0.1.0/ebin/demo.beam", false, false))));
  }

  /** The layer as jib compresses it into its cache at {@code work/cache}, selector and all. */
  private CachedLayer compressedByJib(FileEntriesLayer layer) throws Exception {
    Cache cache = Cache.withDirectory(work.resolve("cache"));
    ImmutableList<com.google.cloud.tools.jib.api.buildplan.FileEntry> entries =
        ImmutableList.copyOf(layer.getEntries());
    return cache.writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries);
  }

  @Test
  void theDiffIdIsTheOneJibRecordsWhenItCompressesTheLayer() throws Exception {
    FileEntriesLayer layer = layer("-module(demo).");

    CachedLayer compressed = compressedByJib(layer);

    assertEquals(compressed.getDiffId().toString(), LayerReuse.diffId(layer));
    assertNotEquals(LayerReuse.diffId(layer), LayerReuse.diffId(layer("-module(other).")));
  }

  @Test
  void jibFindsALayerUnderTheSelectorRelpackWritesForIt() throws Exception {
    FileEntriesLayer layer = layer("-module(demo).");
    CachedLayer written = compressedByJib(layer);
    Path selectors = work.resolve("cache/selectors");

    Optional<DescriptorDigest> selector = LayerSelector.of(layer);

    assertTrue(selector.isPresent(), "jib's selector is reachable in the pinned jib-core");
    // jib wrote its own selector file under that very name, holding the layer's digest
    assertEquals(written.getDigest().getHash(),
        Files.readString(selectors.resolve(selector.get().getHash())));
  }
}
