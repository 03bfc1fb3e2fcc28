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
import dev.relpack.image.ImageSpec;
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
    return KnownImages.checkKey(spec, UNITS).orElseThrow();
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
    ImageSpec otherApp = spec(demo().base(), layers("f".repeat(64)), Map.of());
    ImageSpec otherEnv = new ImageSpec("demo", demo().base(), demo().layers(),
        demo().entrypoint(), demo().cmd(), new TreeMap<>(Map.of("LD_LIBRARY_PATH", "/opt")),
        demo().ports(), demo().user(), demo().workingDirectory(), demo().labels(),
        demo().created(), demo().architecture());
    for (ImageSpec other : List.of(otherBase, otherApp, otherEnv)) {
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
        Map.of()), UNITS));
    BaseImage archive = new BaseImage("tar:base.tar", Optional.of(BASE_DIGEST),
        new BaseImage.ArchiveSource(Path.of("base.tar")), Optional.empty(),
        new BaseImage.LayerContents(dev.relpack.base.BaseFiles::scratch));
    assertEquals(Optional.empty(), KnownImages.checkKey(spec(archive, layers("a".repeat(64)),
        Map.of()), UNITS));
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
}
