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

  @Test
  void theDiffIdIsTheOneJibRecordsWhenItCompressesTheLayer() throws Exception {
    FileEntriesLayer layer = layer("-module(demo).");
    Cache cache = Cache.withDirectory(work.resolve("cache"));
    ImmutableList<com.google.cloud.tools.jib.api.buildplan.FileEntry> entries =
        ImmutableList.copyOf(layer.getEntries());

    CachedLayer compressed =
        cache.writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries);

    assertEquals(compressed.getDiffId().toString(), LayerReuse.diffId(layer));
    assertNotEquals(LayerReuse.diffId(layer), LayerReuse.diffId(layer("-module(other).")));
  }

  @Test
  void jibFindsALayerUnderTheSelectorRelpackWritesForIt() throws Exception {
    FileEntriesLayer layer = layer("-module(demo).");
    Cache cache = Cache.withDirectory(work.resolve("cache"));
    ImmutableList<com.google.cloud.tools.jib.api.buildplan.FileEntry> entries =
        ImmutableList.copyOf(layer.getEntries());
    CachedLayer written =
        cache.writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries);
    Path selectors = work.resolve("cache/selectors");

    Optional<DescriptorDigest> selector = LayerReuse.selector(layer);

    assertTrue(selector.isPresent(), "jib's selector is reachable in the pinned jib-core");
    // jib wrote its own selector file under that very name, holding the layer's digest
    assertEquals(written.getDigest().getHash(),
        Files.readString(selectors.resolve(selector.get().getHash())));
  }

  @Test
  void aBlobIsTakenOnlyWhenItDecompressesToTheLayerExactly() throws Exception {
    FileEntriesLayer layer = layer("-module(demo).");
    Cache cache = Cache.withDirectory(work.resolve("cache"));
    ImmutableList<com.google.cloud.tools.jib.api.buildplan.FileEntry> entries =
        ImmutableList.copyOf(layer.getEntries());
    CachedLayer written =
        cache.writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries);
    Path blob = work.resolve("blob.gz");
    try (var out = Files.newOutputStream(blob)) {
      written.getBlob().writeTo(out);
    }
    byte[] gzip = Files.readAllBytes(blob);

    assertEquals(Optional.empty(), LayerReuse.difference(blob, layer));
    assertTrue(LayerReuse.difference(blob, layer("-module(Demo).")).orElseThrow()
        .startsWith("other content from byte "));
    Path longer = work.resolve("longer.gz");
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(longer))) {
      out.write(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzip))
          .readAllBytes());
      out.write(0);
    }
    assertTrue(LayerReuse.difference(longer, layer).orElseThrow().startsWith("more content"));
    Path cut = work.resolve("cut.gz");
    Files.write(cut, java.util.Arrays.copyOf(gzip, gzip.length / 2));
    assertTrue(LayerReuse.difference(cut, layer).isPresent());
    Path plain = work.resolve("plain");
    Files.writeString(plain, "not gzip");
    assertTrue(LayerReuse.difference(plain, layer).orElseThrow().contains("not whole gzip"));
  }
}
