package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.cache.CachedLayer;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList;
import dev.relpack.io.Sha256;
import dev.relpack.testsupport.RecordingReporter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries of jib's caches, laid out as jib lays them out, found changed or intact. */
class LayerCacheTest {
  @TempDir Path work;
  private final List<String> warnings = new ArrayList<>();

  private LayerCache cache() {
    return cache(LayerTrust.none());
  }

  private LayerCache cache(LayerTrust trust) {
    return new LayerCache(work.resolve("application"), work.resolve("base"), work.resolve("tmp"),
        trust, new RecordingReporter(warnings));
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

  private FileEntriesLayer layer(String name, String content) throws Exception {
    Path file = work.resolve("beam-" + content.hashCode());
    Files.writeString(file, content);
    return JibImageBuilder.fileEntries(new ImageLayer(name, List.of(
        new LayerEntry(file, "/app/lib/demo-0.1.0/ebin/demo.beam", false, false))));
  }

  /** The layer as jib compresses it into its cache, selector and all. */
  private CachedLayer compressedByJib(FileEntriesLayer layer) throws Exception {
    ImmutableList<FileEntry> entries = ImmutableList.copyOf(layer.getEntries());
    return LayerCache.cache(work.resolve("application"))
        .writeUncompressedLayer(new ReproducibleLayerBuilder(entries).build(), entries);
  }

  /** Trust that keeps the lookups found true in a private state of the test's own. */
  private LayerTrust keepingClaims() {
    return new LayerTrust(new dev.relpack.io.TreeSeals(Optional.empty()),
        new LayerClaims(Optional.of(work.resolve("state/layer-claims"))), Optional.empty());
  }

  /** Where jib's cache keeps a layer's blob: {@code layers/DIGEST/DIFF_ID}. */
  private Path blobOf(CachedLayer layer) {
    return work.resolve("application/layers").resolve(layer.getDigest().getHash())
        .resolve(layer.getDiffId().getHash());
  }

  /** Makes jib's selector for {@code layer} name {@code other}'s blob, as a cache's writer can. */
  private Path plant(FileEntriesLayer layer, CachedLayer other) throws Exception {
    Path selector = work.resolve("application/selectors")
        .resolve(LayerSelector.of(layer).orElseThrow().getHash());
    Files.writeString(selector, other.getDigest().getHash());
    return selector;
  }

  /**
   * A selector file that names no digest (here not even UTF-8, or a fifo, which jib would open
   * and wait on) is corrupt as jib would find it: reported, the selectors removed, the layer
   * built again; never the build's failure, nor a wait.
   */
  @Test
  void aSelectorThatIsNoDigestIsReportedAndRemoved() throws Exception {
    for (String kind : List.of("text", "not UTF-8", "longer", "fifo")) {
      FileEntriesLayer app = layer("app", "-module(demo).");
      CachedLayer cached = compressedByJib(app);
      Path selector = work.resolve("application/selectors")
          .resolve(LayerSelector.of(app).orElseThrow().getHash());
      Files.delete(selector);
      switch (kind) {
        case "text" -> Files.writeString(selector, "x".repeat(64));
        case "not UTF-8" -> Files.write(selector, new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
        case "longer" -> Files.writeString(selector, cached.getDigest().getHash() + "\n");
        default -> assertEquals(0, new ProcessBuilder("mkfifo", selector.toString()).start()
            .waitFor());
      }
      warnings.clear();

      assertEquals(Map.of(), assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> cache().claimed(List.of(app), Map.of())), kind);
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.get(0).contains("is corrupt"), warnings.get(0));
      assertFalse(Files.exists(selector, LinkOption.NOFOLLOW_LINKS),
          "removed, and written anew when jib builds the layer");
    }
  }

  @Test
  void aSelectorNamingALayerNotMadeOfItsFilesIsReportedRemovedAndTheLayerBuiltAgain()
      throws Exception {
    FileEntriesLayer app = layer("app", "-module(demo).");
    FileEntriesLayer planted = layer("app", "-module(evil).");
    CachedLayer genuine = compressedByJib(app);
    CachedLayer theirs = compressedByJib(planted); // intact under its own digest
    Path selector = plant(app, theirs);

    assertEquals(Map.of(), cache().claimed(List.of(app), Map.of()));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(selector.toString())
        && warnings.get(0).contains("not made of its files"), warnings.get(0));
    assertFalse(Files.exists(selector), "jib writes it anew when it builds the layer");
    assertEquals(theirs.getDigest(), cache().claimed(List.of(planted), Map.of())
        .get("app").getDigest(), "their own lookup is true and stays");

    compressedByJib(app);
    assertEquals(genuine.getDigest(), cache().claimed(List.of(app), Map.of()).get("app")
        .getDigest(), "a true lookup is taken, found true by its content");
  }

  @Test
  void aBlobOfTheLayersContentLongerThanItCanTakeIsNotTaken() throws Exception {
    // its stream padded with blocks that inflate to nothing, so that checking it reads on and on
    FileEntriesLayer app = layer("app", "-module(demo).");
    CachedLayer genuine = compressedByJib(app);
    byte[] padded = GzipMatchTest.padded(Files.readAllBytes(blobOf(genuine)), 100_000);
    String digest = Sha256.of(padded);
    Path blob = work.resolve("application/layers").resolve(digest)
        .resolve(genuine.getDiffId().getHash());
    Files.createDirectories(blob.getParent());
    Files.write(blob, padded); // intact under its own digest
    Path selector = work.resolve("application/selectors")
        .resolve(LayerSelector.of(app).orElseThrow().getHash());
    Files.writeString(selector, digest);

    assertEquals(Map.of(), cache().claimed(List.of(app), Map.of()));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("not made of its files"), warnings.get(0));
    assertFalse(Files.exists(selector), "jib writes it anew when it builds the layer");
  }

  @Test
  void aLookupFoundTrueIsRecordedPrivatelyAndNotCheckedAgainButAPlantedOneIs() throws Exception {
    LayerTrust trust = keepingClaims();
    FileEntriesLayer app = layer("app", "-module(demo).");
    CachedLayer genuine = compressedByJib(app);
    assertEquals(genuine.getDigest(), cache(trust).claimed(List.of(app), Map.of()).get("app")
        .getDigest());
    Path blob = blobOf(genuine);
    Files.writeString(blob, "not even gzip"); // its digest is checked elsewhere (checkEntry)
    assertEquals(genuine.getDigest(), cache(trust).claimed(List.of(app), Map.of()).get("app")
        .getDigest(), "recorded as true: its content is not read again");

    CachedLayer theirs = compressedByJib(layer("app", "-module(evil)."));
    plant(app, theirs);
    assertEquals(Map.of(), cache(trust).claimed(List.of(app), Map.of()),
        "the record names another layer: checked, and found false");
    assertEquals(1, warnings.size(), warnings.toString());
  }

  /**
   * Where nothing reads jib's selectors afterwards (an image written from the last one), a
   * claimed layer is found by its blob: with every selector gone, or planted to name another
   * layer, the claimed blob is still the one taken, and nothing is reported. Where jib will read
   * them, the selector still decides, and a planted one is caught.
   */
  @Test
  void aClaimedLayerIsFoundByItsBlobWhereJibsSelectorsAreNotRead() throws Exception {
    LayerTrust trust = keepingClaims();
    FileEntriesLayer app = layer("app", "-module(demo).");
    CachedLayer genuine = compressedByJib(app);
    cache(trust).claimed(List.of(app), Map.of()); // checked byte for byte, then claimed
    Path selectors = work.resolve("application/selectors");
    dev.relpack.io.FileTrees.deleteRecursively(selectors);

    assertEquals(genuine.getDigest(), cache(trust).intactBlobs(List.of(app), Map.of())
        .get("app").getDigest());
    assertEquals(Map.of(), cache(trust).intact(List.of(app), Map.of()), "jib's lookup finds none");

    Files.createDirectories(selectors);
    CachedLayer theirs = compressedByJib(layer("app", "-module(evil)."));
    plant(app, theirs);
    assertEquals(genuine.getDigest(), cache(trust).intactBlobs(List.of(app), Map.of())
        .get("app").getDigest());
    assertEquals(List.of(), warnings);
    assertEquals(Map.of(), cache(trust).intact(List.of(app), Map.of()));
    assertEquals(1, warnings.size(), "the planted selector jib would read is reported");

    Files.delete(blobOf(genuine));
    Files.delete(blobOf(genuine).getParent());
    assertEquals(Map.of(), cache(trust).intactBlobs(List.of(app), Map.of()),
        "a claimed blob that is gone is built again");
  }

  @Test
  void aLayerThisBuildPutInTheCacheAfterCheckingItIsTaken() throws Exception {
    FileEntriesLayer app = layer("app", "-module(demo).");
    CachedLayer genuine = compressedByJib(app);
    Path blob = blobOf(genuine);
    Files.writeString(blob, "checked by --cache-from: not read again");
    assertEquals(genuine.getDigest(), cache().claimed(List.of(app),
        Map.of("app", genuine.getDigest().toString())).get("app").getDigest());
    assertEquals(List.of(), warnings);
  }

  @Test
  void aCorruptBlobFoundByItsTrueSelectorIsReportedAsCorruptAndRemoved() throws Exception {
    FileEntriesLayer app = layer("app", "-module(demo).");
    CachedLayer genuine = compressedByJib(app);
    Path blob = blobOf(genuine);
    Files.writeString(blob, "corrupt");

    assertEquals(Map.of(), cache().claimed(List.of(app), Map.of()));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("does not match its digest")
        && warnings.get(0).contains(blob.getParent().toString()), warnings.get(0));
    assertFalse(Files.exists(blob.getParent()), "removed, so jib builds it again");
  }

  @Test
  void afterABuildOnlyWhatJibSaidItBuiltIsRecordedAsTrue() throws Exception {
    LayerTrust trust = keepingClaims();
    FileEntriesLayer app = layer("app", "-module(demo).");
    CachedLayer genuine = compressedByJib(app);
    CachedLayer theirs = compressedByJib(layer("app", "-module(evil)."));
    plant(app, theirs); // swapped after jib wrote it

    cache(trust).claimBuilt(List.of(app), Map.of("app", genuine.getDigest().toString()));
    assertEquals(Map.of(), cache(trust).claimed(List.of(app), Map.of()),
        "not recorded: checked, and found false");

    compressedByJib(app); // jib's own selector again
    cache(trust).claimBuilt(List.of(app), Map.of("app", genuine.getDigest().toString()));
    Files.writeString(blobOf(genuine), "not read: recorded as true");
    assertEquals(genuine.getDigest(), cache(trust).claimed(List.of(app), Map.of()).get("app")
        .getDigest());
  }
}
