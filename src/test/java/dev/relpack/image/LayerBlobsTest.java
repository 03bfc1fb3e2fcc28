package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.cache.Cache;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList;
import dev.relpack.base.BaseImage;
import dev.relpack.io.FileTrees;
import dev.relpack.io.TreeSeals;
import dev.relpack.publish.BuildListener;
import dev.relpack.testsupport.RecordingReporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers compressed into jib's cache ahead of jib: jib's tar at relpack's level (deflate 1),
 * found where jib looks.
 */
class LayerBlobsTest {
  @TempDir Path work;

  private final List<String> said = new ArrayList<>();
  private final BuildListener listener = new RecordingReporter(said);

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

  /** The digest of jib's own tar of the layer's files, gzipped at relpack's level. */
  private String expectedDigest(ImageLayer layer) throws Exception {
    ImmutableList<FileEntry> entries =
        ImmutableList.copyOf(JibImageBuilder.fileEntries(layer).getEntries());
    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      new ReproducibleLayerBuilder(entries).build().writeTo(gzip);
    }
    return "sha256:" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(gzipped.toByteArray()));
  }

  @Test
  void theLayersTheCacheLacksAreCompressedAtRelpacksLevelAndJibFindsThem() throws Exception {
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
      assertEquals(expectedDigest(layer), compressed.get(layer.name()), layer.name());
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

    assertEquals(Map.of("app", expectedDigest(app)), compressed);
  }

  @Test
  void anEntryUnderTheBlobsDigestIsKeptIfItHoldsTheBlobAndReplacedIfNot() throws Exception {
    ImageLayer otp = layer("otp", 10);
    ImageLayer app = layer("app", 3);
    Path cacheRoot = work.resolve("cache");
    Path application = JibImageBuilder.applicationCache(cacheRoot);
    Map<String, String> first =
        LayerBlobs.compressMissing(spec(List.of(otp, app)), cacheRoot, LayerTrust.none(), listener);
    Path otpEntry = application.resolve("layers").resolve(LayerCache.hex(first.get("otp")));
    Path otpBlob;
    try (var files = Files.list(otpEntry)) {
      otpBlob = files.findFirst().orElseThrow();
    }
    byte[] genuine = Files.readAllBytes(otpBlob);
    byte[] changed = genuine.clone();
    changed[changed.length / 2] ^= 1;
    Files.write(otpBlob, changed);
    FileTrees.deleteRecursively(application.resolve("selectors")); // jib writes both again

    Map<String, String> again =
        LayerBlobs.compressMissing(spec(List.of(otp, app)), cacheRoot, LayerTrust.none(), listener);

    assertEquals(first, again);
    assertEquals(List.of("cache entry " + otpEntry + " does not match its digest (changed or"
        + " corrupt); building it again"), said);
    assertArrayEquals(genuine, Files.readAllBytes(otpBlob));
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

  /** Trust that keeps seals in a private state of the test's own. */
  private LayerTrust sealing() {
    return new LayerTrust(new TreeSeals(Optional.of(work.resolve("state/seals"))),
        LayerClaims.none(), Optional.empty());
  }

  @Test
  void aBlobCompressedIntoTheCacheIsSealedAsWrittenAndStillCheckedOnceChanged()
      throws Exception {
    ImageLayer otp = layer("otp", 10);
    ImageLayer app = layer("app", 3);
    Path cacheRoot = work.resolve("cache");
    Path layers = JibImageBuilder.applicationCache(cacheRoot).resolve("layers");
    LayerTrust trust = sealing();

    Map<String, String> written =
        LayerBlobs.compressMissing(spec(List.of(otp, app)), cacheRoot, trust, listener);

    // the next build takes both as they are, without hashing them: they were hashed as written
    for (String digest : written.values()) {
      assertTrue(trust.seals().isSealed(LayerCache.hex(digest),
          layers.resolve(LayerCache.hex(digest))), digest);
    }
    Path otpEntry = layers.resolve(LayerCache.hex(written.get("otp")));
    Path otpBlob;
    try (var files = Files.list(otpEntry)) {
      otpBlob = files.findFirst().orElseThrow();
    }
    byte[] changed = Files.readAllBytes(otpBlob);
    changed[changed.length / 2] ^= 1;
    Files.write(otpBlob, changed);
    assertFalse(trust.seals().isSealed(LayerCache.hex(written.get("otp")), otpEntry));

    List<LayerBlobs.Blob> blobs = LayerBlobs.of(spec(List.of(otp, app)), cacheRoot, Map.of(),
        trust, listener);

    assertEquals(List.of("cache entry " + otpEntry + " does not match its digest (changed or"
        + " corrupt); building it again"), said);
    assertEquals(written.get("otp"), blobs.get(0).digest());
    assertTrue(blobs.get(0).built(), "compressed again");
    assertFalse(blobs.get(1).built(), "taken as sealed");
  }
}
