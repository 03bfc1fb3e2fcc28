package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.base.BaseImage;
import dev.relpack.error.BadInputException;
import dev.relpack.layers.AppRoles;
import dev.relpack.layers.LayerPlan;
import dev.relpack.layers.LayerPlanner;
import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseKind;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDefaultsTest {
  private static final String OCI = "org.opencontainers.image.";
  /** Shared, with the releases read from it, so each fixture is read once. */
  @TempDir static Path cache;
  private static final Map<Path, Release> READ = new HashMap<>();

  private static Release read(Path release) {
    return READ.computeIfAbsent(release,
        r -> new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(r));
  }

  private Release kind(String fixture) {
    return read(Testdata.kind(fixture));
  }

  private static ImageOptions options(Map<String, String> env, Map<String, String> labels) {
    return new ImageOptions("/app", "65534:65534", List.of(), env, labels);
  }

  private static ImageOptions plain() {
    return options(Map.of(), Map.of());
  }

  private static String fakeDigest(String seed) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
    return "sha256:" + HexFormat.of().formatHex(hash);
  }

  private static final BaseImage.Contents NO_LAYERS =
      new BaseImage.LayerContents(dev.relpack.base.BaseFiles::scratch);

  private static BaseImage registryBase(String digest) throws Exception {
    ImageReference pinned = ImageReference.parse("registry.example.com/base/os:1@" + digest);
    return new BaseImage("registry.example.com/base/os:1", Optional.of(digest),
        new BaseImage.RegistrySource(pinned), Optional.of("amd64"), NO_LAYERS);
  }

  private static BaseImage scratch() {
    return new BaseImage("scratch", Optional.empty(), new BaseImage.ScratchSource(), Optional.empty(), NO_LAYERS);
  }

  // --- environment

  @Test
  void mixReleasesNeedOnlyTheCommonEnvironment() {
    for (Release release : List.of(read(Testdata.demoTarball()), kind("mix-umbrella"))) {
      assertEquals(ReleaseKind.MIX, release.kind());
      assertEquals(Map.of("LANG", "C.UTF-8", "RELEASE_TMP", "/tmp",
              "ERL_CRASH_DUMP", "/tmp/erl_crash.dump"),
          ImageDefaults.environment(release, plain()), release.name());
    }
  }

  @Test
  void distilleryWritesItsMutableDirUnderTmp() {
    Release shop = kind("distillery");
    assertEquals(ReleaseKind.DISTILLERY, shop.kind());
    Map<String, String> env = ImageDefaults.environment(shop, plain());
    assertEquals("/tmp/shop", env.get("RELEASE_MUTABLE_DIR"));
    assertFalse(env.containsKey("RELX_OUT_FILE_PATH"));
    assertEquals("C.UTF-8", env.get("LANG"));
    assertEquals("/tmp", env.get("RELEASE_TMP"));
    assertEquals(4, env.size(), env.toString());
  }

  @Test
  void exrmWritesItsMutableDirUnderTmp() {
    Release legacy = kind("exrm");
    assertEquals(ReleaseKind.EXRM, legacy.kind());
    Map<String, String> env = ImageDefaults.environment(legacy, plain());
    assertEquals("/tmp/legacy", env.get("RELEASE_MUTABLE_DIR"));
    assertEquals(4, env.size(), env.toString());
  }

  @Test
  void relxRendersItsConfigUnderTmp() {
    Release api = kind("relx");
    assertEquals(ReleaseKind.RELX, api.kind());
    Map<String, String> env = ImageDefaults.environment(api, plain());
    assertEquals("/tmp", env.get("RELX_OUT_FILE_PATH"));
    assertFalse(env.containsKey("RELEASE_MUTABLE_DIR"));
    assertEquals(4, env.size(), env.toString());
  }

  @Test
  void userEnvironmentAddsToAndOverridesTheDefaults() {
    Release shop = kind("distillery");
    Map<String, String> env = ImageDefaults.environment(shop,
        options(Map.of("LANG", "de_DE.UTF-8", "RELEASE_MUTABLE_DIR", "/data", "PORT", "4000"),
            Map.of()));
    assertEquals("de_DE.UTF-8", env.get("LANG"));
    assertEquals("/data", env.get("RELEASE_MUTABLE_DIR"));
    assertEquals("4000", env.get("PORT"));
    assertEquals("/tmp", env.get("RELEASE_TMP"));
  }

  // --- labels

  @Test
  void labelsNameTheReleaseAndThePinnedBase() throws Exception {
    Release demo = read(Testdata.demoTarball());
    String digest = fakeDigest("base");
    Map<String, String> labels = ImageDefaults.labels(demo, registryBase(digest), plain(), Map.of());
    assertEquals(Map.of(
        OCI + "title", "demo",
        OCI + "version", "0.1.0",
        OCI + "base.name", "registry.example.com/base/os:1",
        OCI + "base.digest", digest), labels);
  }

  @Test
  void aRegistryBaseIsNamedInTheManifestAnnotationsAsInItsLabelsOtherBasesAreNot() throws Exception {
    Release demo = read(Testdata.demoTarball());
    LayerPlan plan = LayerPlanner.plan(demo, new AppRoles(Set.of("demo"), Set.of()));
    String digest = fakeDigest("base");
    ImageSpec onRegistry = ImageDefaults.spec(demo, plan, registryBase(digest), plain(), Map.of(),
        "amd64");
    assertEquals(Map.of(OCI + "base.name", "registry.example.com/base/os:1",
        OCI + "base.digest", digest), onRegistry.annotations());
    // a label the user sets is what the annotation says too: one name for the base, not two
    ImageSpec renamed = ImageDefaults.spec(demo, plan, registryBase(digest),
        options(Map.of(), Map.of(OCI + "base.name", "mirror.example.com/os:1")), Map.of(), "amd64");
    assertEquals("mirror.example.com/os:1", renamed.annotations().get(OCI + "base.name"));
    assertEquals(Map.of(), ImageDefaults.spec(demo, plan, scratch(), plain(), Map.of(), "amd64")
        .annotations());
  }

  @Test
  void aBaseWithoutDigestGetsNoDigestLabel() {
    Map<String, String> labels = ImageDefaults.labels(kind("relx"), scratch(), plain(), Map.of());
    assertEquals("scratch", labels.get(OCI + "base.name"));
    assertFalse(labels.containsKey(OCI + "base.digest"));
    assertEquals("api", labels.get(OCI + "title"));
    assertEquals("3.1.0", labels.get(OCI + "version"));
  }

  @Test
  void gitLabCiVariablesFillInSourceRevisionAndCreated() {
    Map<String, String> ci = Map.of(
        "CI_PROJECT_URL", "https://gitlab.example.com/group/shop",
        "CI_COMMIT_SHA", "9f1c2e0d5b7a4c3e8f6a1b2c3d4e5f6a7b8c9d0e",
        "CI_COMMIT_TIMESTAMP", "2024-05-01T10:00:00+02:00",
        "CI_PROJECT_DESCRIPTION", "The shop",
        "UNRELATED", "x");
    Map<String, String> labels = ImageDefaults.labels(kind("distillery"), scratch(), plain(), ci);
    assertEquals("https://gitlab.example.com/group/shop", labels.get(OCI + "source"));
    assertEquals("https://gitlab.example.com/group/shop", labels.get(OCI + "url"));
    assertEquals("9f1c2e0d5b7a4c3e8f6a1b2c3d4e5f6a7b8c9d0e", labels.get(OCI + "revision"));
    // the same instant as the image's creation time, in UTC
    assertEquals("2024-05-01T08:00:00Z", labels.get(OCI + "created"));
    assertEquals("The shop", labels.get(OCI + "description"));
    assertFalse(labels.containsValue("x"));
  }

  @Test
  void theCreatedLabelFollowsSourceDateEpochLikeTheConfig() {
    Map<String, String> ci = Map.of("SOURCE_DATE_EPOCH", "1700000000",
        "CI_COMMIT_TIMESTAMP", "2024-05-01T10:00:00+02:00");
    assertEquals(ImageDefaults.created(ci).toString(),
        ImageDefaults.labels(kind("exrm"), scratch(), plain(), ci).get(OCI + "created"));
    assertEquals("2023-11-14T22:13:20Z", ImageDefaults.created(ci).toString());
  }

  @Test
  void withoutCiThereAreNoSourceRevisionOrCreatedLabels() {
    Map<String, String> labels = ImageDefaults.labels(kind("exrm"), scratch(), plain(),
        Map.of("CI_PROJECT_URL", "  ", "CI_COMMIT_SHA", ""));
    for (String absent : List.of("source", "url", "revision", "created", "description")) {
      assertFalse(labels.containsKey(OCI + absent), absent + " in " + labels);
    }
  }

  @Test
  void userLabelsOverrideEveryDefault() throws Exception {
    Map<String, String> ci = Map.of("CI_COMMIT_SHA", "abc", "CI_PROJECT_URL", "https://x");
    Map<String, String> labels = ImageDefaults.labels(read(Testdata.demoTarball()),
        registryBase(fakeDigest("b")), options(Map.of(), Map.of(
            OCI + "title", "Demo Shop", OCI + "revision", "override",
            "com.example.team", "core")), ci);
    assertEquals("Demo Shop", labels.get(OCI + "title"));
    assertEquals("override", labels.get(OCI + "revision"));
    assertEquals("core", labels.get("com.example.team"));
    assertEquals("https://x", labels.get(OCI + "source"));
  }

  // --- created

  @Test
  void createdIsTheEpochWithoutAnyClue() {
    assertEquals(Instant.EPOCH, ImageDefaults.created(Map.of()));
    assertEquals(Instant.EPOCH, ImageDefaults.created(Map.of("SOURCE_DATE_EPOCH", " ",
        "CI_COMMIT_TIMESTAMP", "")));
  }

  @Test
  void createdComesFromSourceDateEpochFirst() {
    assertEquals(Instant.ofEpochSecond(1700000000), ImageDefaults.created(Map.of(
        "SOURCE_DATE_EPOCH", "1700000000", "CI_COMMIT_TIMESTAMP", "2024-05-01T10:00:00Z")));
    assertEquals(Instant.ofEpochSecond(1700000000),
        ImageDefaults.created(Map.of("SOURCE_DATE_EPOCH", " 1700000000\n")));
  }

  @Test
  void createdComesFromTheCommitTimeWithoutSourceDateEpoch() {
    assertEquals(Instant.parse("2024-05-01T08:00:00Z"),
        ImageDefaults.created(Map.of("CI_COMMIT_TIMESTAMP", "2024-05-01T10:00:00+02:00")));
    assertEquals(Instant.parse("2024-05-01T10:00:00Z"),
        ImageDefaults.created(Map.of("CI_COMMIT_TIMESTAMP", "2024-05-01T10:00:00Z")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"yesterday", "1.5", "0x10", "1e9", "2024-05-01"})
  void aBadSourceDateEpochIsBadInput(String value) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> ImageDefaults.created(Map.of("SOURCE_DATE_EPOCH", value)));
    assertTrue(e.getMessage().startsWith("SOURCE_DATE_EPOCH=" + value), e.getMessage());
  }

  @Test
  void aSourceDateEpochBeyondWhatAnInstantHoldsIsBadInput() {
    String huge = String.valueOf(Long.MAX_VALUE);
    BadInputException e = assertThrows(BadInputException.class,
        () -> ImageDefaults.created(Map.of("SOURCE_DATE_EPOCH", huge)));
    assertTrue(e.getMessage().startsWith("SOURCE_DATE_EPOCH=" + huge), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"yesterday", "2024-05-01", "2024-05-01T10:00:00", "1700000000"})
  void aBadCommitTimestampIsBadInput(String value) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> ImageDefaults.created(Map.of("CI_COMMIT_TIMESTAMP", value)));
    assertTrue(e.getMessage().startsWith("CI_COMMIT_TIMESTAMP=" + value), e.getMessage());
  }

  // --- the whole spec

  @Test
  void specPutsTheReleaseUnderTheAppRootAndStartsItInTheForegroundByDefault() throws Exception {
    Release shop = kind("distillery");
    LayerPlan plan = LayerPlanner.plan(shop, new AppRoles(Set.of("shop"), Set.of()));
    ImageOptions options = new ImageOptions("/srv/shop", "1000:1000", List.of("4000"),
        Map.of("PORT", "4000"), Map.of("team", "core"));
    Map<String, String> ci = new HashMap<>(Map.of("SOURCE_DATE_EPOCH", "1700000000"));
    String digest = fakeDigest("spec");
    ImageSpec spec = ImageDefaults.spec(shop, plan, registryBase(digest), options, ci, "arm64");

    assertEquals(List.of("/srv/shop/bin/shop"), spec.entrypoint(),
        "the script alone: a runtime's arguments replace the command, not follow it");
    assertEquals(List.of("foreground"), spec.cmd());
    assertEquals("/srv/shop", spec.workingDirectory());
    assertEquals("1000:1000", spec.user());
    assertEquals(List.of("4000/tcp"), spec.ports());
    assertEquals("arm64", spec.architecture());
    assertEquals(Instant.ofEpochSecond(1700000000), spec.created());
    assertEquals("4000", spec.environment().get("PORT"));
    assertEquals("/tmp/shop", spec.environment().get("RELEASE_MUTABLE_DIR"));
    assertEquals("core", spec.labels().get("team"));
    assertEquals(digest, spec.labels().get(OCI + "base.digest"));

    assertEquals(plan.layers().stream().map(l -> l.kind().label()).toList(),
        spec.layers().stream().map(ImageLayer::name).toList());
    int entries = 0;
    for (int i = 0; i < plan.layers().size(); i++) {
      List<ReleaseFile> files = plan.layers().get(i).files();
      List<LayerEntry> layer = spec.layers().get(i).entries();
      assertEquals(files.size(), layer.size());
      for (int j = 0; j < files.size(); j++) {
        ReleaseFile file = files.get(j);
        LayerEntry entry = layer.get(j);
        assertEquals("/srv/shop/" + file.path(), entry.target());
        assertEquals(file.source(), entry.source());
        assertEquals(file.directory(), entry.directory());
        assertEquals(file.directory() || file.executable() ? "755" : "644", entry.octalMode());
        entries++;
      }
    }
    assertTrue(entries > 0);
    LayerEntry script = spec.layers().stream().flatMap(l -> l.entries().stream())
        .filter(e -> e.target().equals("/srv/shop/bin/shop")).findFirst().orElseThrow();
    assertEquals("755", script.octalMode());
  }

  @Test
  void mixSpecStartsWithStart() {
    Release demo = read(Testdata.demoTarball());
    LayerPlan plan = LayerPlanner.plan(demo, new AppRoles(Set.of("demo"), Set.of()));
    ImageSpec spec = ImageDefaults.spec(demo, plan, scratch(), plain(), Map.of(), "amd64");
    assertEquals(List.of("/app/bin/demo"), spec.entrypoint());
    assertEquals(List.of("start"), spec.cmd());
    assertEquals("/app", spec.workingDirectory());
    assertEquals("65534:65534", spec.user());
    assertEquals(Instant.EPOCH, spec.created());
    assertEquals(List.of("erts", "otp", "deps", "app", "release"),
        spec.layers().stream().map(ImageLayer::name).toList());
  }
}
