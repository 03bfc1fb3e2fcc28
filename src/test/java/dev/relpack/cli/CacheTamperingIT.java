package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.io.Sha256;
import dev.relpack.io.TreeSeals;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache another job could write: whatever is changed in it is reported, not used, and the image
 * is byte for byte the one a clean cache gives (its digest is compared with a build in a fresh
 * cache, not with a digest written down here).
 */
class CacheTamperingIT {
  @TempDir static Path work;
  static String cleanDigest;
  static RegistryServer registry;

  @BeforeAll
  static void cleanBuild() throws Exception {
    cleanDigest = build("clean-cache", "oci:" + work.resolve("clean"), List.of()).digest();
    registry = RegistryServer.start(work.resolve("registry"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void aChangedFileOfAReleaseUnitIsReportedAndTheUnitStoredAgain() throws Exception {
    String cache = "unit";
    build(cache, "oci:" + work.resolve("unit-warm"), List.of());
    Path beam = first(cacheRoot(cache).resolve("units"), p -> p.toString().endsWith(".beam"));
    Path unit = cacheRoot(cache).resolve("units").resolve(
        cacheRoot(cache).resolve("units").relativize(beam).getName(0));
    Files.writeString(beam, "planted code");

    Built again = build(cache, "oci:" + work.resolve("unit-again"), List.of());

    assertWarned(again, unit);
    assertEquals(cleanDigest, again.digest());
    assertEquals(List.of(), warnings(build(cache, "oci:" + work.resolve("unit-third"), List.of())),
        "stored again, the unit is believed again");
  }

  @Test
  void aUnitSealedAsIntactIsStillCaughtWhenAFileChangesKeepingItsSizeModeAndMtime()
      throws Exception {
    String cache = "sealed";
    build(cache, "oci:" + work.resolve("sealed-first"), List.of());
    Path units = cacheRoot(cache).resolve("units");
    Path beam = first(units, p -> p.toString().endsWith(".beam"));
    Path unit = units.resolve(units.relativize(beam).getName(0));
    awaitSettled(unit);
    build(cache, "oci:" + work.resolve("sealed-second"), List.of());
    assertTrue(Files.isRegularFile(Relpack.STATE.resolve("relpack/unit-seals")
        .resolve(unit.getFileName().toString())), "the unit, hashed intact, was sealed");

    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(beam);
    FileTime modified = Files.getLastModifiedTime(beam);
    flipByteNearEnd(beam);
    Files.setPosixFilePermissions(beam, mode);
    Files.setLastModifiedTime(beam, modified);
    Built again = build(cache, "oci:" + work.resolve("sealed-again"), List.of());

    assertWarned(again, unit);
    assertEquals(cleanDigest, again.digest());
  }

  /**
   * Until every entry of {@code tree} is older than {@link TreeSeals#SETTLED}, the age at which a
   * build seals what it finds intact.
   */
  private static void awaitSettled(Path tree) throws Exception {
    Instant newest = Instant.EPOCH;
    try (Stream<Path> walk = Files.walk(tree)) {
      for (Path path : walk.toList()) {
        FileTime changed = (FileTime) Files.getAttribute(path, "unix:ctime",
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        newest = changed.toInstant().isAfter(newest) ? changed.toInstant() : newest;
      }
    }
    Instant settled = newest.plus(TreeSeals.SETTLED).plusMillis(100);
    while (Instant.now().isBefore(settled)) {
      Thread.sleep(Math.max(1, Duration.between(Instant.now(), settled).toMillis()));
    }
  }

  @Test
  void aChangedLayerInJibsCacheIsReportedAndBuiltAgainForAnOciLayout() throws Exception {
    String cache = "jib-oci";
    build(cache, "oci:" + work.resolve("jib-oci-warm"), List.of());
    Path layer = tamperLargestLayer(cache);

    Built again = build(cache, "oci:" + work.resolve("jib-oci-again"), List.of());

    assertWarned(again, layer.getParent());
    assertEquals(cleanDigest, again.digest());
  }

  @Test
  void aChangedLayerJibWouldReuseUnderItsOwnDigestIsCaughtToo() throws Exception {
    // without its selector jib builds the layer again, finds an entry under that digest and
    // takes it as it is: only the written image shows it
    String cache = "jib-reused";
    build(cache, "tar:" + work.resolve("jib-reused-warm.tar"), List.of());
    Path layer = tamperLargestLayer(cache);
    deleteTree(cacheRoot(cache).resolve("jib/application-level1/selectors"));

    Built again = build(cache, "oci:" + work.resolve("jib-reused-again"), List.of());

    assertWarned(again, layer.getParent());
    assertEquals(cleanDigest, again.digest());
  }

  @Test
  void aChangedLayerInJibsCacheIsReportedBeforeAPushAndThePushIsRight() throws Exception {
    String cache = "jib-push";
    String image = registry.address() + "/tampering/push";
    build(cache, image + ":warm", List.of());
    Path layer = tamperLargestLayer(cache);

    Built again = build(cache, image + ":again", List.of());

    assertWarned(again, layer.getParent());
    assertEquals(cleanDigest, again.digest());
  }

  @Test
  void aLayerSealedAsIntactIsStillCaughtBeforeAPushWhenItChangesKeepingItsSizeModeAndMtime()
      throws Exception {
    String cache = "jib-sealed";
    String image = registry.address() + "/tampering/sealed";
    build(cache, image + ":first", List.of());
    Path layers = cacheRoot(cache).resolve("jib/application-level1/layers");
    awaitSettled(layers);
    build(cache, image + ":second", List.of());
    try (Stream<Path> entries = Files.list(layers)) {
      for (Path entry : entries.toList()) {
        assertTrue(Files.isRegularFile(Relpack.STATE.resolve("relpack/layer-seals")
            .resolve(entry.getFileName().toString())), entry + ", hashed intact, was sealed");
      }
    }

    Path layer = largestLayer(cache);
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(layer);
    FileTime modified = Files.getLastModifiedTime(layer);
    flipByteNearEnd(layer);
    Files.setPosixFilePermissions(layer, mode);
    Files.setLastModifiedTime(layer, modified);
    Built again = build(cache, image + ":again", List.of());

    assertWarned(again, layer.getParent());
    assertEquals(cleanDigest, again.digest());
  }

  /**
   * jib finds a layer by a selector file naming its blob: a cache's writer can make the selector
   * of one layer's files name another layer, stored intact under its own digest. Each such
   * lookup is reported and not used, before a push and before an OCI layout alike.
   */
  @Test
  void selectorsPlantedToNameOtherLayersAreReportedAndTheImageIsRight() throws Exception {
    for (String to : List.of(registry.address() + "/tampering/selectors",
        "oci:" + work.resolve("selectors-oci"))) {
      String cache = "selectors-" + Math.abs(to.hashCode());
      build(cache, to.startsWith("oci:") ? to + "-warm" : to + ":warm", List.of());
      List<Path> selectors;
      try (Stream<Path> files =
          Files.list(cacheRoot(cache).resolve("jib/application-level1/selectors"))) {
        selectors = files.sorted().toList();
      }
      List<String> named = new ArrayList<>();
      for (Path selector : selectors) {
        named.add(Files.readString(selector));
      }
      for (int i = 0; i < selectors.size(); i++) { // each names the next one's layer
        Files.writeString(selectors.get(i), named.get((i + 1) % named.size()));
      }

      Built again = build(cache, to.startsWith("oci:") ? to : to + ":again", List.of());

      List<String> warnings = warnings(again);
      assertEquals(selectors.size(), warnings.size(), again.output());
      assertTrue(warnings.stream().allMatch(w -> w.contains("which is not made of its files")),
          warnings.toString());
      assertEquals(cleanDigest, again.digest(), to);
    }
  }

  /**
   * For a base pinned by digest jib takes the manifest and config it keeps without asking the
   * registry: kept in the shared cache, a planted pair could give the image settings (or layers)
   * of someone else's choosing. relpack gives jib a base cache whose manifests and configs are
   * this user's own; the shared cache's are never read.
   */
  @Test
  void aBaseManifestAndConfigPlantedInTheSharedCacheAreNotUsed() throws Exception {
    // a base on another registry: on the image's own, relpack writes a new image without jib
    try (RegistryServer baseRegistry = RegistryServer.start(work.resolve("base-registry"))) {
      basePlantedInTheSharedCacheIsNotUsed(new TestBases(work.resolve("bases"),
          TestBases.unpackDemo(work.resolve("demo"))).get(TestBases.Name.COMPLETE)
          .pushedTo(baseRegistry));
    }
  }

  private void basePlantedInTheSharedCacheIsNotUsed(String from) throws Exception {
    String image = registry.address() + "/tampering/base-metadata";
    List<String> options = List.of("--from", from, "--label", "run=second");
    String clean = build("base-metadata-clean", image + ":clean", options).digest();

    String cache = "base-metadata";
    build(cache, image + ":warm", List.of("--from", from));
    Path shared = cacheRoot(cache).resolve("jib/base");
    Path view = Relpack.STATE.resolve("relpack/jib-base")
        .resolve(Sha256.of(shared.toAbsolutePath().normalize().toString()));
    Path kept;
    try (Stream<Path> files = Files.walk(view.resolve("images"))) {
      kept = files.filter(p -> p.getFileName().toString().equals("manifests_configs.json"))
          .findFirst().orElseThrow(() -> new AssertionError("jib kept no base manifest"));
    }
    assertTrue(Files.notExists(shared.resolve("images")), "none in the shared cache");
    Path images = shared.resolve("images");
    Path planted = images.resolve(kept.getParent().getParent().getFileName())
        .resolve(kept.getParent().getFileName()).resolve("manifests_configs.json");
    Files.createDirectories(planted.getParent());
    Files.writeString(planted, Files.readString(kept).replace("\"Env\":[", "\"Env\":[\"PLANTED=1\","));
    assertTrue(Files.readString(planted).contains("PLANTED=1"), "the plant took");

    Built again = build(cache, image + ":again", options);

    assertEquals(clean, again.digest(), again.output());
  }

  /**
   * jib keeps each layer of an archive base (the host base here) under its diff ID
   * ({@code local/DIFF_ID/DIGEST}) and takes it as it is: a blob of someone else's, stored whole
   * under its own digest in place of the real one, is reported and made again from the archive.
   */
  @Test
  void anotherLayerStoredUnderABaseLayersDiffIdIsReportedAndMadeAgain() throws Exception {
    String cache = "base-local";
    build(cache, "oci:" + work.resolve("base-local-warm"), List.of());
    Path local = cacheRoot(cache).resolve("jib/base/local");
    Path genuine;
    try (Stream<Path> files = Files.walk(local)) {
      genuine = files.filter(Files::isRegularFile).sorted().findFirst().orElseThrow();
    }
    java.io.ByteArrayOutputStream evil = new java.io.ByteArrayOutputStream();
    try (var gzip = new java.util.zip.GZIPOutputStream(evil)) {
      gzip.write("not this base's layer".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Files.delete(genuine);
    Files.write(genuine.resolveSibling(Sha256.of(evil.toByteArray())), evil.toByteArray());

    Built again = build(cache, "oci:" + work.resolve("base-local-again"), List.of());

    assertWarned(again, genuine.getParent());
    assertEquals(cleanDigest, again.digest());
  }

  @Test
  void aChangedHostBaseArchiveIsReportedAndWrittenAgain() throws Exception {
    String cache = "host-base";
    build(cache, "oci:" + work.resolve("host-warm"), List.of());
    Path archive = first(cacheRoot(cache).resolve("bases"), p -> p.toString().endsWith(".tar"));
    flipByteNearEnd(archive);

    Built again = build(cache, "oci:" + work.resolve("host-again"), List.of());

    assertWarned(again, archive);
    assertEquals(cleanDigest, again.digest());
  }

  @Test
  void aChangedRepackOfAnOciLayoutBaseIsReportedAndWrittenAgain() throws Exception {
    List<String> from = List.of("--from", "oci:" + work.resolve("clean") + ":latest");
    String expected = build("oci-base-clean", "oci:" + work.resolve("on-oci-clean"), from).digest();
    String cache = "oci-base";
    build(cache, "oci:" + work.resolve("on-oci-warm"), from);
    Path repack = first(cacheRoot(cache).resolve("bases"), p -> p.getFileName().toString().startsWith("oci-"));
    flipByteNearEnd(repack);

    Built again = build(cache, "oci:" + work.resolve("on-oci-again"), from);

    assertWarned(again, repack);
    assertEquals(expected, again.digest());
  }

  @Test
  void aCorruptBlobInALayoutIsReportedAndWrittenAgainWhenATagIsAdded() throws Exception {
    String cache = "layout";
    Path layout = work.resolve("shared-layout");
    build(cache, "oci:" + layout + ":first", List.of());
    Path blob;
    try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
      blob = blobs.max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
    }
    flipByteNearEnd(blob);

    Built again = build(cache, "oci:" + layout + ":second", List.of());

    assertTrue(again.output().contains("sha256:" + blob.getFileName()), again.output());
    assertEquals(cleanDigest, again.digest());
    assertEquals(blob.getFileName().toString(), Sha256.of(blob));
    String tags = Command.run(List.of("umoci", "ls", "--layout", layout.toString()), Map.of(),
        Duration.ofMinutes(1)).requireSuccess().stdout();
    assertEquals(List.of("first", "second"), tags.lines().sorted().toList());
  }

  private record Built(String digest, String output) {}

  private static Built build(String cache, String to, List<String> extra) throws IOException {
    Path digestFile = work.resolve("digest-" + System.nanoTime());
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--to", to, "--cache-dir", work.resolve(cache).toString(),
        "--digest-file", digestFile.toString(), "--progress", "none"));
    args.addAll(extra);
    Command.Result result = new Relpack(work.resolve("home")).run(args).requireSuccess();
    return new Built(Files.readString(digestFile).trim(), result.stdout() + result.stderr());
  }

  private static Path cacheRoot(String cache) {
    return work.resolve(cache).resolve("v1");
  }

  /** Changes the biggest blob in jib's cache of relpack's layers; returns it. */
  private static Path tamperLargestLayer(String cache) throws IOException {
    Path largest = largestLayer(cache);
    flipByteNearEnd(largest);
    return largest;
  }

  private static Path largestLayer(String cache) throws IOException {
    try (Stream<Path> files =
        Files.walk(cacheRoot(cache).resolve("jib/application-level1/layers"))) {
      return files.filter(Files::isRegularFile)
          .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
    }
  }

  private static void flipByteNearEnd(Path file) throws IOException {
    file.toFile().setWritable(true);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long at = Math.max(0, raf.length() - 2000);
      raf.seek(at);
      int b = raf.read();
      raf.seek(at);
      raf.write(b ^ 0xff);
    }
  }

  private static Path first(Path dir, java.util.function.Predicate<Path> which) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).filter(which).sorted().findFirst().orElseThrow();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static List<String> warnings(Built built) {
    return built.output().lines().filter(l -> l.startsWith("warning:")).toList();
  }

  /** One warning, naming the entry, and nothing else said about it. */
  private static void assertWarned(Built built, Path entry) {
    List<String> warnings = warnings(built);
    assertEquals(1, warnings.size(), built.output());
    assertTrue(warnings.get(0).contains(entry.toString()), warnings.get(0));
  }
}
