package dev.relpack.engine;

import static dev.relpack.engine.KnownImagesTest.BASE_DIGEST;
import static dev.relpack.engine.KnownImagesTest.TARGET;
import static dev.relpack.engine.KnownImagesTest.UNITS;
import static dev.relpack.engine.KnownImagesTest.demo;
import static dev.relpack.engine.KnownImagesTest.layers;
import static dev.relpack.engine.KnownImagesTest.registryBase;
import static dev.relpack.engine.KnownImagesTest.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.relpack.base.BaseImage;
import dev.relpack.boot.Problem;
import dev.relpack.boot.Verdict;
import dev.relpack.image.ImageLayer;
import dev.relpack.image.ImageSpec;
import dev.relpack.image.LayerEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownVerdictsTest {
  private static final String BASE = "registry.example.com/base:1";
  private static final Problem WARNING = new Problem(Problem.Kind.LIBRARY, "libsctp.so.1",
      List.of("erts-13.1.5/bin/epmd"), Optional.of("libsctp1"), "install libsctp1");
  private static final Problem UNPACKAGED = new Problem(Problem.Kind.PROGRAM, "/usr/bin/od",
      List.of("bin/demo", "releases/0.1.0/env.sh"), Optional.empty(), "add od");

  @TempDir Path state;

  private static String key(ImageSpec spec) {
    return KnownImages.checkKey(spec, UNITS, file -> Optional.empty()).orElseThrow();
  }

  private static String key(ImageSpec spec, Map<String, String> digests) {
    return KnownImages.checkKey(spec, UNITS,
        file -> Optional.ofNullable(digests.get(file.getFileName().toString()))).orElseThrow();
  }

  /** The demo's two layers with the ERTS binary and the app's module in these units. */
  private static ImageSpec units(String erts, String app, boolean moduleExecutable) {
    return spec(demo().base(), List.of(
        new ImageLayer("erts", List.of(new LayerEntry(UNITS.resolve(erts + "/bin/beam"),
            "/app/erts-13/bin/beam", false, true))),
        new ImageLayer("app", List.of(
            new LayerEntry(UNITS.resolve(app + "/ebin/demo.app"),
                "/app/lib/demo-0.1.0/ebin/demo.app", false, false),
            new LayerEntry(UNITS.resolve(app + "/ebin/demo.beam"),
                "/app/lib/demo-0.1.0/ebin/demo.beam", false, moduleExecutable)))), Map.of());
  }

  @Test
  void aVerdictThatFitsIsTakenWithItsWarningsByTheSameInputsOnly() {
    KnownVerdicts known = new KnownVerdicts(state.resolve("boot-verdicts"));
    known.remember(key(demo()), new Verdict(BASE, false, List.of(),
        List.of(WARNING, UNPACKAGED)));
    assertEquals(Optional.of(new Verdict(BASE, false, List.of(), List.of(WARNING, UNPACKAGED))),
        known.find(key(demo()), BASE));
    ImageSpec otherBase = spec(registryBase("sha256:" + "9".repeat(64)), demo().layers(),
        Map.of());
    ImageSpec otherErts = spec(demo().base(), List.of(new ImageLayer("erts", List.of(
        new LayerEntry(UNITS.resolve("9".repeat(64) + "/bin/beam"), "/app/erts-13/bin/beam",
            false, true))), demo().layers().get(1)), Map.of());
    ImageSpec otherEnv = new ImageSpec("demo", demo().base(), demo().layers(),
        demo().entrypoint(), demo().cmd(), new TreeMap<>(Map.of("LD_LIBRARY_PATH", "/opt")),
        demo().ports(), demo().user(), demo().workingDirectory(), demo().labels(),
        demo().created(), demo().architecture());
    for (ImageSpec other : List.of(otherBase, otherErts, otherEnv)) {
      assertNotEquals(key(demo()), key(other));
      assertEquals(Optional.empty(), known.find(key(other), BASE));
    }
  }

  @Test
  void theKeyIsNotAnImagesKeyAndNeedsNoTarget() {
    assertNotEquals(KnownImages.key(demo(), TARGET, UNITS).orElseThrow(), key(demo()));
  }

  @Test
  void aVerdictThatDoesNotFitOrIsAboutTheHostIsNotKept() {
    KnownVerdicts known = new KnownVerdicts(state.resolve("boot-verdicts"));
    known.remember(key(demo()), new Verdict(BASE, false, List.of(WARNING), List.of()));
    assertEquals(Optional.empty(), known.find(key(demo()), BASE));
    known.remember(key(demo()), new Verdict(BASE, true, List.of(), List.of()));
    assertEquals(Optional.empty(), known.find(key(demo()), BASE));
  }

  @Test
  void noKeyForABaseNotPinnedByItsContent() {
    BaseImage host = new BaseImage("host", Optional.empty(), new BaseImage.ScratchSource(),
        List.of(new BaseImage.BaseFile(Path.of("/lib/libc.so.6"), "/lib/libc.so.6", false)),
        Optional.empty(), new BaseImage.MachineContents(Path.of("/"), List.of()));
    assertEquals(Optional.empty(), KnownImages.checkKey(spec(host, layers("a".repeat(64)),
        Map.of()), UNITS, file -> Optional.empty()));
    BaseImage archive = new BaseImage("tar:base.tar", Optional.of(BASE_DIGEST),
        new BaseImage.ArchiveSource(Path.of("base.tar")), Optional.empty(),
        new BaseImage.LayerContents(dev.relpack.base.BaseFiles::scratch));
    assertEquals(Optional.empty(), KnownImages.checkKey(spec(archive, layers("a".repeat(64)),
        Map.of()), UNITS, file -> Optional.empty()));
  }

  @Test
  void anEntryOthersCouldWriteOrThatDoesNotParseIsNotTaken() throws Exception {
    KnownVerdicts known = new KnownVerdicts(state.resolve("boot-verdicts"));
    known.remember(key(demo()), new Verdict(BASE, false, List.of(), List.of()));
    Path file = state.resolve("boot-verdicts").resolve(key(demo()) + ".json");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
    assertEquals(Optional.empty(), known.find(key(demo()), BASE));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(file, "{\"warnings\": [{\"kind\": \"NOT_A_KIND\"}]}");
    assertEquals(Optional.empty(), known.find(key(demo()), BASE));
    assertEquals(Optional.empty(), known.find("../" + key(demo()), BASE));
  }

  @Test
  void aReleaseWhoseModulesAloneChangedTakesTheVerdict() {
    // the check opens no .beam file: a one-module change moves the app's unit, nothing it reads
    Map<String, String> digests = Map.of("beam", "1".repeat(64), "demo.app", "2".repeat(64));
    assertEquals(key(units("e".repeat(64), "a".repeat(64), false), digests),
        key(units("e".repeat(64), "f".repeat(64), false), digests));
    assertEquals(key(demo()), key(spec(demo().base(), layers("f".repeat(64)), Map.of())));
  }

  @Test
  void everyOtherFileCountsByItsContentOrItsPlaceInTheStore() {
    Map<String, String> digests = Map.of("beam", "1".repeat(64), "demo.app", "2".repeat(64));
    ImageSpec release = units("e".repeat(64), "a".repeat(64), false);
    assertNotEquals(key(release, digests),
        key(release, Map.of("beam", "1".repeat(64), "demo.app", "3".repeat(64))), "the .app");
    assertEquals(key(release, digests), key(units("9".repeat(64), "a".repeat(64), false),
        digests), "the same ERTS binary from another unit");
    assertNotEquals(key(release), key(units("9".repeat(64), "a".repeat(64), false)),
        "unknown digests: the place in the store, as the image's key");
    // the .app the same by its digest: the executable module alone differs, by its place
    assertNotEquals(key(units("e".repeat(64), "a".repeat(64), true), digests),
        key(units("e".repeat(64), "f".repeat(64), true), digests),
        "an executable module: the check reads its #! line");
  }

  @Test
  void theImagesLabelsDateAndCommandAreNotTheChecksInputs() {
    // a CI job labels its image with its commit: each pipeline of the same release takes it
    ImageSpec labelled = new ImageSpec("demo", demo().base(), demo().layers(), List.of("/x"),
        List.of("foreground"), demo().environment(), List.of("8080"), "1000:1000",
        demo().workingDirectory(), new TreeMap<>(Map.of("org.opencontainers.image.revision",
            "abc123")), java.time.Instant.ofEpochSecond(1_700_000_000L), demo().architecture());
    assertEquals(key(demo()), key(labelled));
  }
}
