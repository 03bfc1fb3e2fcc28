package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList;
import dev.relpack.base.BaseImage;
import dev.relpack.publish.BuildListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers compressed into jib's cache ahead of jib: jib's bytes, found where jib looks. */
class LayerBlobsTest {
  @TempDir Path work;

  private final List<String> said = new ArrayList<>();
  private final BuildListener listener = new BuildListener() {
    @Override
    public void progress(double fraction, String task) {}

    @Override
    public void warn(String message) {
      said.add(message);
    }

    @Override
    public void debug(String message) {}
  };

  private ImageSpec spec(List<ImageLayer> layers) {
    BaseImage scratch = new BaseImage("scratch", Optional.empty(), new BaseImage.ScratchSource(),
        Optional.empty(), new BaseImage.MachineContents(work, List.of()));
    return new ImageSpec("app", scratch, layers, List.of("/app/bin/app"), List.of(),
        new TreeMap<>(), List.of(), "65534:65534", "/app", new TreeMap<>(), Instant.EPOCH,
        "amd64");
  }

  private ImageLayer layer(String name, int files) throws IOException {
    List<LayerEntry> entries = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      Path file = Files.createDirectories(work.resolve("src").resolve(name)).resolve("f" + i);
      Files.write(file, (name + " file " + i + "\n").repeat(50 * i + 1).getBytes());
      entries.add(new LayerEntry(file, "/app/lib/" + name + "/ebin/f" + i + ".beam", false,
          i % 3 == 0));
    }
    return new ImageLayer(name, entries);
  }

  /** The digest jib's own builder and cache give the layer's files. */
  private String jibsDigest(ImageLayer layer) throws Exception {
    ImmutableList<FileEntry> entries =
        ImmutableList.copyOf(JibImageBuilder.fileEntries(layer).getEntries());
    return Cache.withDirectory(Files.createDirectories(work.resolve("jib-" + layer.name())))
        .writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries)
        .getDigest().toString();
  }

  @Test
  void theLayersTheCacheLacksAreCompressedAsJibWouldAndJibFindsThem() throws Exception {
    ImageLayer erts = layer("erts", 40);
    ImageLayer otp = layer("otp", 60);
    ImageLayer app = layer("app", 3);
    ImageSpec spec = spec(List.of(erts, new ImageLayer("deps", List.of()), otp, app));
    Path cacheRoot = work.resolve("cache");

    Map<String, String> compressed =
        LayerBlobs.compressMissing(spec, cacheRoot, LayerTrust.none(), listener);

    assertEquals(List.of("erts", "otp", "app"), List.copyOf(compressed.keySet()));
    Cache jibs = LayerCache.cache(JibImageBuilder.applicationCache(cacheRoot));
    for (ImageLayer layer : List.of(erts, otp, app)) {
      assertEquals(jibsDigest(layer), compressed.get(layer.name()), layer.name());
      FileEntriesLayer entries = JibImageBuilder.fileEntries(layer);
      assertEquals(compressed.get(layer.name()), jibs.retrieve(
          ImmutableList.copyOf(entries.getEntries())).orElseThrow().getDigest().toString());
    }
    assertEquals(Map.of(),
        LayerBlobs.compressMissing(spec, cacheRoot, LayerTrust.none(), listener));
    assertTrue(said.isEmpty(), said.toString());
  }

  @Test
  void onlyTheLayerThatChangedIsCompressedAgain() throws Exception {
    ImageLayer otp = layer("otp", 20);
    ImageLayer app = layer("app", 3);
    Path cacheRoot = work.resolve("cache");
    LayerBlobs.compressMissing(spec(List.of(otp, app)), cacheRoot, LayerTrust.none(), listener);
    Files.writeString(app.entries().get(1).source(), "changed");

    Map<String, String> compressed = LayerBlobs.compressMissing(spec(List.of(otp, app)),
        cacheRoot, LayerTrust.none(), listener);

    assertEquals(Map.of("app", jibsDigest(app)), compressed);
  }

  @Test
  void aFileThatCannotBeReadFailsTheCompressionWithItsName() throws Exception {
    ImageLayer otp = layer("otp", 5);
    ImageLayer app = layer("app", 3);
    Files.delete(app.entries().get(2).source());
    IOException failure = assertThrows(IOException.class, () -> LayerBlobs.compressMissing(
        spec(List.of(otp, app)), work.resolve("cache"), LayerTrust.none(), listener));
    assertTrue(failure.getMessage().contains("f2"), failure.getMessage());
  }
}
