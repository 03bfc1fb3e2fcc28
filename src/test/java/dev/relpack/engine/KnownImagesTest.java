package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.base.BaseImage;
import dev.relpack.image.ImageLayer;
import dev.relpack.image.ImageResult;
import dev.relpack.image.ImageSpec;
import dev.relpack.image.LayerEntry;
import dev.relpack.image.LayerResult;
import dev.relpack.publish.RegistryTarget;
import dev.relpack.publish.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownImagesTest {
  static final String BASE_DIGEST = "sha256:" + "b".repeat(64);
  static final String DIGEST = "sha256:" + "d".repeat(64);
  static final Path UNITS = Path.of("/cache/units");
  static final Target TARGET = target("registry.example.com/group/app:1");

  @TempDir Path state;

  static Target target(String reference) {
    ImageReference image = parse(reference);
    return new RegistryTarget(image, List.of(image.getTag().orElse("latest")));
  }

  static ImageReference parse(String reference) {
    try {
      return ImageReference.parse(reference);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static BaseImage registryBase(String digest) {
    return new BaseImage("registry.example.com/base:1", Optional.of(digest),
        new BaseImage.RegistrySource(parse("registry.example.com/base@" + digest)),
        Optional.of("amd64"), new BaseImage.LayerContents(dev.relpack.base.BaseFiles::scratch));
  }

  static ImageSpec spec(BaseImage base, List<ImageLayer> layers, Map<String, String> labels) {
    return new ImageSpec("demo", base, layers, List.of("/app/bin/demo"), List.of("start"),
        new TreeMap<>(Map.of("LANG", "C.UTF-8")), List.of("4000"), "65534:65534", "/app",
        new TreeMap<>(labels), Instant.EPOCH, "amd64");
  }

  static List<ImageLayer> layers(String appUnit) {
    return List.of(
        new ImageLayer("erts", List.of(new LayerEntry(UNITS.resolve("e".repeat(64) + "/bin/beam"),
            "/app/erts-13/bin/beam", false, true))),
        new ImageLayer("app", List.of(new LayerEntry(UNITS.resolve(appUnit + "/ebin/demo.beam"),
            "/app/lib/demo-0.1.0/ebin/demo.beam", false, false))));
  }

  static ImageSpec demo() {
    return spec(registryBase(BASE_DIGEST), layers("a".repeat(64)), Map.of());
  }

  static String key(ImageSpec spec, Target target) {
    return KnownImages.key(spec, target, UNITS).orElseThrow();
  }

  static ImageResult pushed() {
    return new ImageResult(DIGEST, "sha256:" + "c".repeat(64), List.of("1"), List.of(
        new LayerResult("base", "sha256:" + "1".repeat(64), 100, LayerResult.Origin.BASE,
            OptionalLong.empty(), LayerResult.Delivery.PRESENT),
        new LayerResult("app", "sha256:" + "2".repeat(64), 10, LayerResult.Origin.BUILT,
            OptionalLong.of(30), LayerResult.Delivery.PUSHED)), 10, 2);
  }

  @Test
  void theSameInputsGiveTheSameKey() {
    assertEquals(key(demo(), TARGET), key(demo(), TARGET));
    assertTrue(key(demo(), TARGET).matches("[0-9a-f]{64}"));
  }

  @Test
  void anotherTagOfTheSameRepositoryHasTheSameKey() {
    assertEquals(key(demo(), TARGET), key(demo(), target("registry.example.com/group/app:2")));
  }

  @Test
  void everythingThatDecidesTheImageChangesTheKey() {
    String demo = key(demo(), TARGET);
    List<UnaryOperator<ImageSpec>> changes = List.of(
        s -> spec(registryBase("sha256:" + "9".repeat(64)), s.layers(), s.labels()),
        s -> spec(s.base(), layers("f".repeat(64)), s.labels()),
        s -> spec(s.base(), List.of(s.layers().get(1), s.layers().get(0)), s.labels()),
        s -> spec(s.base(), s.layers(), Map.of("a", "b")),
        s -> new ImageSpec(s.name(), s.base(), s.layers(), s.entrypoint(), List.of("foreground"),
            s.environment(), s.ports(), s.user(), s.workingDirectory(), s.labels(), s.created(),
            s.architecture()),
        s -> new ImageSpec(s.name(), s.base(), s.layers(), s.entrypoint(), s.cmd(),
            new TreeMap<>(Map.of("LANG", "C")), s.ports(), s.user(), s.workingDirectory(),
            s.labels(), s.created(), s.architecture()),
        s -> new ImageSpec(s.name(), s.base(), s.layers(), s.entrypoint(), s.cmd(),
            s.environment(), List.of(), s.user(), s.workingDirectory(), s.labels(), s.created(),
            s.architecture()),
        s -> new ImageSpec(s.name(), s.base(), s.layers(), s.entrypoint(), s.cmd(),
            s.environment(), s.ports(), "0:0", s.workingDirectory(), s.labels(), s.created(),
            s.architecture()),
        s -> new ImageSpec(s.name(), s.base(), s.layers(), s.entrypoint(), s.cmd(),
            s.environment(), s.ports(), s.user(), s.workingDirectory(), s.labels(),
            Instant.ofEpochSecond(1), s.architecture()),
        s -> new ImageSpec(s.name(), s.base(), List.of(new ImageLayer("erts", List.of(
            new LayerEntry(UNITS.resolve("e".repeat(64) + "/bin/beam"), "/app/erts-13/bin/beam",
                false, false)))), s.entrypoint(), s.cmd(), s.environment(), s.ports(), s.user(),
            s.workingDirectory(), s.labels(), s.created(), s.architecture()));
    for (UnaryOperator<ImageSpec> change : changes) {
      assertNotEquals(demo, key(change.apply(demo()), TARGET));
    }
    assertNotEquals(demo, key(demo(), target("registry.example.com/group/other:1")));
    assertNotEquals(demo, key(demo(), target("other.example.com/group/app:1")));
  }

  @Test
  void theShapeKeyIgnoresTheLayersFilesButNotTheirNamesNorTheConfigNorTheRepository() {
    String shape = shape(demo(), TARGET);
    assertEquals(shape, shape(spec(demo().base(), layers("f".repeat(64)), Map.of()), TARGET),
        "a changed module is the same shape");
    assertEquals(shape, shape(demo(), target("registry.example.com/group/app:2")));
    assertNotEquals(shape, key(demo(), TARGET), "not the image's own key");
    List<ImageSpec> others = List.of(
        spec(registryBase("sha256:" + "9".repeat(64)), demo().layers(), Map.of()),
        spec(demo().base(), demo().layers(), Map.of("a", "b")),
        spec(demo().base(), List.of(demo().layers().get(1), demo().layers().get(0)), Map.of()),
        spec(demo().base(), List.of(demo().layers().get(0), new ImageLayer("app", List.of())),
            Map.of()),
        spec(demo().base(), List.of(demo().layers().get(0), new ImageLayer("deps",
            demo().layers().get(1).entries())), Map.of()));
    for (ImageSpec other : others) {
      assertNotEquals(shape, shape(other, TARGET), other.toString());
    }
    assertNotEquals(shape, shape(demo(), target("registry.example.com/group/other:1")));
    assertTrue(KnownImages.shapeKey(demo(), new dev.relpack.publish.LayoutTarget(
        Path.of("/tmp/layout"), List.of("1"))).isEmpty(), "only a registry's");
  }

  static String shape(ImageSpec spec, Target target) {
    return KnownImages.shapeKey(spec, target).orElseThrow();
  }

  @Test
  void aFileIsNamedByItsPlaceInTheStoreHoweverItsPathIsSpelled() {
    ImageSpec spelledOtherwise = spec(registryBase(BASE_DIGEST), List.of(
        new ImageLayer("erts", List.of(new LayerEntry(
            UNITS.resolve("e".repeat(64) + "/./bin/../bin/beam"), "/app/erts-13/bin/beam", false,
            true))),
        new ImageLayer("app", List.of(new LayerEntry(
            Path.of("/cache/units/../units/" + "a".repeat(64) + "/ebin/demo.beam"),
            "/app/lib/demo-0.1.0/ebin/demo.beam", false, false)))), Map.of());
    assertEquals(key(demo(), TARGET), key(spelledOtherwise, TARGET));
    assertEquals(KnownImages.layerFiles(demo(), UNITS),
        KnownImages.layerFiles(demo(), Path.of("/cache/./units/")));
  }

  @Test
  void noKeyForFilesNotNamedByTheirContentNorForTargetsOutsideARegistry() {
    ImageSpec outside = spec(registryBase(BASE_DIGEST), List.of(new ImageLayer("app", List.of(
        new LayerEntry(Path.of("/home/me/app/_build/prod/rel/demo/bin/demo"), "/app/bin/demo",
            false, true)))), Map.of());
    assertEquals(Optional.empty(), KnownImages.key(outside, TARGET, UNITS));
    ImageSpec escaping = spec(registryBase(BASE_DIGEST), List.of(new ImageLayer("app", List.of(
        new LayerEntry(UNITS.resolve("../elsewhere/demo"), "/app/bin/demo", false, true)))),
        Map.of());
    assertEquals(Optional.empty(), KnownImages.key(escaping, TARGET, UNITS));
    BaseImage unpinned = new BaseImage("registry.example.com/base:1", Optional.empty(),
        new BaseImage.RegistrySource(parse("registry.example.com/base:1")), Optional.empty(),
        new BaseImage.LayerContents(dev.relpack.base.BaseFiles::scratch));
    assertEquals(Optional.empty(), KnownImages.key(spec(unpinned, layers("a".repeat(64)),
        Map.of()), TARGET, UNITS));
    BaseImage archive = new BaseImage("tar:base.tar", Optional.of(BASE_DIGEST),
        new BaseImage.ArchiveSource(Path.of("base.tar")), Optional.empty(),
        new BaseImage.LayerContents(dev.relpack.base.BaseFiles::scratch));
    assertEquals(Optional.empty(), KnownImages.key(spec(archive, layers("a".repeat(64)),
        Map.of()), TARGET, UNITS));
    BaseImage host = new BaseImage("host", Optional.empty(), new BaseImage.ScratchSource(),
        List.of(new BaseImage.BaseFile(Path.of("/lib/libc.so.6"), "/lib/libc.so.6", false)),
        Optional.empty(), new BaseImage.MachineContents(Path.of("/"), List.of()));
    assertEquals(Optional.empty(), KnownImages.key(spec(host, layers("a".repeat(64)),
        Map.of()), TARGET, UNITS));
    assertEquals(Optional.empty(), KnownImages.key(demo(),
        Target.parse("oci:/tmp/layout", List.of()), UNITS));
  }

  @Test
  void aRememberedImageIsFoundWithTheTagsAskedForAndNothingUploaded() {
    KnownImages known = new KnownImages(state.resolve("images"));
    String key = key(demo(), TARGET);
    assertEquals(Optional.empty(), known.find(key, List.of("1")));
    known.remember(key, pushed());
    ImageResult found = known.find(key, List.of("2", "latest")).orElseThrow();
    assertEquals(DIGEST, found.digest());
    assertEquals(pushed().imageId(), found.imageId());
    assertEquals(List.of("2", "latest"), found.tags());
    assertEquals(0, found.uploadedBytes());
    assertEquals(0, found.uploadedBlobs());
    assertEquals(List.of(
        new LayerResult("base", "sha256:" + "1".repeat(64), 100, LayerResult.Origin.BASE,
            OptionalLong.empty(), LayerResult.Delivery.PRESENT),
        new LayerResult("app", "sha256:" + "2".repeat(64), 10, LayerResult.Origin.CACHED,
            OptionalLong.of(30), LayerResult.Delivery.PRESENT)), found.layers());
    assertEquals(Optional.empty(), known.find(key(demo(), target("r.example.com/x:1")),
        List.of("1")));
  }

  /** A state that keeps no image (a CI job's) is told apart without a key to look for. */
  @Test
  void aStoreTellsWhetherItKeepsAnyImage() throws Exception {
    KnownImages known = new KnownImages(state.resolve("image-shapes"));
    assertFalse(known.holdsAny(), "no directory yet");
    Files.createDirectories(state.resolve("image-shapes"));
    Files.writeString(state.resolve("image-shapes/.tmp-entry"), "half written");
    assertFalse(known.holdsAny(), "a file that is no entry");
    known.remember(key(demo(), TARGET), pushed());
    assertTrue(known.holdsAny());
  }

  /** Keeps {@link #pushed()} under {@code key} and returns the entry's file. */
  private Path remembered(KnownImages known, String key) {
    known.remember(key, pushed());
    return state.resolve("images").resolve(key + ".json");
  }

  /**
   * The entry's text is what relpack wrote when it bound it to records, so a state directory
   * written by either is read by both; a layer not of that shape makes the entry unused.
   */
  @Test
  void anEntryIsTheTextEarlierBuildsWroteAndOneOfAnotherShapeIsNotTaken() throws Exception {
    KnownImages known = new KnownImages(state.resolve("images"));
    String key = key(demo(), TARGET);
    Path file = remembered(known, key);
    String layer = "{\"name\":\"app\",\"digest\":\"sha256:" + "2".repeat(64)
        + "\",\"size\":10,\"origin\":\"BUILT\",\"uncompressedSize\":30}";
    String written = "{\"digest\":\"" + DIGEST + "\",\"imageId\":\"sha256:" + "c".repeat(64)
        + "\",\"layers\":[{\"name\":\"base\",\"digest\":\"sha256:" + "1".repeat(64)
        + "\",\"size\":100,\"origin\":\"BASE\",\"uncompressedSize\":null}," + layer + "]}";
    assertEquals(written, Files.readString(file));

    for (String other : List.of(layer.replace("\"size\":10", "\"size\":\"10\""),
        layer.replace("BUILT", "GUESSED"), layer.replace("\"name\":\"app\",", ""),
        layer.replace("30", "\"30\""))) {
      Files.writeString(file, written.replace(layer, other));
      assertEquals(Optional.empty(), known.find(key, List.of("1")), other);
    }
    Files.writeString(file, written);
    assertEquals(DIGEST, known.find(key, List.of("1")).orElseThrow().digest());
  }

  @Test
  void anEntryOthersCouldWriteOrThatDoesNotParseIsNotTaken() throws Exception {
    KnownImages known = new KnownImages(state.resolve("images"));
    String key = key(demo(), TARGET);
    Path file = remembered(known, key);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
    assertEquals(Optional.empty(), known.find(key, List.of("1")));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(file, "{\"digest\": \"sha256:nothex\", \"layers\": []}");
    assertEquals(Optional.empty(), known.find(key, List.of("1")));
    Files.writeString(file, "not json");
    assertEquals(Optional.empty(), known.find(key, List.of("1")));
    assertEquals(Optional.empty(), known.find("../" + key, List.of("1")));
  }

  @Test
  void entriesUnusedForAMonthAreDroppedWhenAnotherIsKept() throws Exception {
    KnownImages known = new KnownImages(state.resolve("images"));
    String old = key(demo(), TARGET);
    String recent = key(demo(), target("registry.example.com/group/recent:1"));
    known.remember(old, pushed());
    known.remember(recent, pushed());
    Path oldFile = state.resolve("images").resolve(old + ".json");
    Files.setLastModifiedTime(oldFile,
        FileTime.from(Instant.now().minus(KnownImages.UNUSED).minusSeconds(60)));
    Files.setLastModifiedTime(state.resolve("images").resolve(recent + ".json"),
        FileTime.from(Instant.now().minus(KnownImages.UNUSED).plusSeconds(3600)));
    known.find(recent, List.of("1")); // a use keeps it another month
    known.remember(key(demo(), target("registry.example.com/group/new:1")), pushed());
    assertEquals(Optional.empty(), known.find(old, List.of("1")));
    assertTrue(known.find(recent, List.of("1")).isPresent());
  }
}
