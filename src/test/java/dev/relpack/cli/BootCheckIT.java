package dev.relpack.cli;

import static dev.relpack.testsupport.CheckReport.neededBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.testsupport.CheckReport;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.TestBase;
import dev.relpack.testsupport.TestBase.Kind;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.TestBases.Name;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code relpack check} and the check {@code build} runs first, against bases assembled from this
 * machine's files ({@link TestBases}) and given as registry images, {@code tar:} archives and
 * {@code oci:} layouts: the verdict names what is missing, who needs it and the package that
 * provides it; a base that fails gets nothing pushed or written; one that passes boots and serves.
 */
class BootCheckIT {
  static final String CRYPTO_NIF = "lib/crypto-5.1.2/priv/lib/crypto.so";
  static final String BEAM = "erts-13.1.5/bin/beam.smp";
  static final String RELEASE = Testdata.demoTarball().toString();
  @TempDir static Path work;
  static RegistryServer registry;
  static TestBases bases;

  @BeforeAll
  static void setUp() throws IOException {
    registry = RegistryServer.start(work.resolve("registry"));
    bases = new TestBases(work.resolve("bases"), TestBases.unpackDemo(work.resolve("demo")));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  static String from(Name name, Kind kind) throws IOException {
    return bases.get(name).as(kind, registry);
  }

  static Relpack relpack() {
    return new Relpack(work.resolve("home"));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theCompleteBaseFitsTheRelease(Kind kind) throws IOException {
    CheckReport report = CheckReport.run(relpack(), RELEASE, from(Name.COMPLETE, kind));
    assertEquals(0, report.exitCode(), report.toString());
    assertTrue(report.verdict().path("fits").asBoolean(false), report.toString());
    assertEquals(List.of(), report.problems(), report.toString());
    assertTrue(report.verdict().path("base").asText().contains("complete"), report.toString());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aBaseWithoutLibcryptoIsRefusedNamingTheCryptoNifAndDebiansPackage(Kind kind)
      throws IOException {
    CheckReport report = CheckReport.run(relpack(), RELEASE, from(Name.NO_CRYPTO_LIBRARY, kind));
    assertEquals(3, report.exitCode(), report.toString());
    assertFalse(report.verdict().path("fits").asBoolean(true), report.toString());
    JsonNode problem = report.onlyProblem();
    assertEquals("library", problem.path("kind").asText(), report.toString());
    assertEquals("libcrypto.so.3", problem.path("missing").asText());
    assertTrue(neededBy(problem).contains(CRYPTO_NIF), report.toString());
    assertEquals("libssl3", problem.path("package").asText(), report.toString());
    assertTrue(problem.path("message").asText().startsWith("libcrypto.so.3: needed by " + CRYPTO_NIF),
        report.toString());
  }

  /** Each other base, in each of the three forms: what the verdict says. */
  static Stream<Arguments> failingBases() {
    List<Arguments> verdicts = List.of(
        Arguments.of(Name.NO_ERTS_LIBRARY, "library", "libtinfo.so.6", BEAM, "libtinfo6"),
        Arguments.of(Name.CRYPTO_WHITED_OUT, "library", "libcrypto.so.3", CRYPTO_NIF, "libssl3"),
        Arguments.of(Name.CRYPTO_HIDDEN_BY_OPAQUE, "library", "libcrypto.so.3", CRYPTO_NIF, "libssl3"),
        Arguments.of(Name.NO_SHELL, "program", "/bin/sh", "bin/demo", "dash"),
        // no os-release, no apk database: the distribution is unknown, so no package is asserted
        Arguments.of(Name.MUSL, "libc", "/lib64/ld-linux-x86-64.so.2", BEAM, null));
    return verdicts.stream().flatMap(verdict -> java.util.Arrays.stream(Kind.values())
        .map(kind -> {
          Object[] given = verdict.get();
          return Arguments.of(given[0], kind, given[1], given[2], given[3], given[4]);
        }));
  }

  @ParameterizedTest(name = "{0} as {1}: {3}")
  @MethodSource("failingBases")
  void aBaseLackingOnePieceIsRefusedWithThatPieceWhoNeedsItAndItsPackage(Name name, Kind kind,
      String problemKind, String missing, String needer, String packageName) throws IOException {
    CheckReport report = CheckReport.run(relpack(), RELEASE, from(name, kind));
    assertEquals(3, report.exitCode(), report.toString());
    assertFalse(report.verdict().path("fits").asBoolean(true), report.toString());
    // one problem, not one per library that a foreign libc's loader would not find
    JsonNode problem = report.onlyProblem();
    assertEquals(problemKind, problem.path("kind").asText(), report.toString());
    assertEquals(missing, problem.path("missing").asText(), report.toString());
    assertTrue(neededBy(problem).contains(needer), report.toString());
    if (packageName != null) {
      assertEquals(packageName, problem.path("package").asText(), report.toString());
    }
    assertTrue(problem.path("message").asText().startsWith(missing + ": needed by "),
        report.toString());
  }

  @Test
  void epmdsLibraryIsAWarningOnlyWhenTheImageTurnsDistributionOff() throws IOException {
    String base = from(Name.NO_EPMD_LIBRARY, Kind.OCI);
    CheckReport on = CheckReport.run(relpack(), RELEASE, base);
    assertEquals(3, on.exitCode(), on.toString());
    assertEquals("libsystemd.so.0", on.onlyProblem().path("missing").asText(), on.toString());
    assertEquals(List.of("erts-13.1.5/bin/epmd"), neededBy(on.onlyProblem()), on.toString());

    CheckReport off = CheckReport.run(relpack(), RELEASE, base, "-e", "RELEASE_DISTRIBUTION=none");
    assertEquals(0, off.exitCode(), off.toString());
    assertEquals(List.of(), off.problems(), off.toString());
    assertEquals(List.of("libsystemd.so.0"),
        off.warnings().stream().map(w -> w.path("missing").asText()).toList(), off.toString());
  }

  @Test
  void theMergedUsrBaseFits() throws IOException {
    CheckReport report = CheckReport.run(relpack(), RELEASE, from(Name.MERGED_USR, Kind.REGISTRY));
    assertEquals(0, report.exitCode(), report.toString());
    assertEquals(List.of(), report.problems(), report.toString());
  }

  @Test
  void theTextReportNamesTheBaseSaysItDoesNotFitAndPrintsEachProblemsLine() throws IOException {
    String base = from(Name.NO_ERTS_LIBRARY, Kind.OCI);
    CheckReport json = CheckReport.run(relpack(), RELEASE, base);
    Command.Result text = relpack().run("check", "--release", RELEASE, "--from", base);
    assertEquals(3, text.exitCode(), text.stdout() + text.stderr());
    List<String> lines = text.stdout().lines().toList();
    assertTrue(lines.get(0).contains(json.verdict().path("base").asText()), text.stdout());
    assertTrue(lines.get(0).matches("(?i).*\\b(does not|doesn't|cannot|can't|not)\\b.*"),
        "the first line says the release does not fit: " + text.stdout());
    for (JsonNode problem : json.problems()) {
      assertTrue(lines.stream().anyMatch(l -> l.strip().equals(problem.path("message").asText())),
          "the text report prints " + problem.path("message") + ": " + text.stdout());
    }
    assertEquals("  or build with --from host, which takes what the release needs from this"
        + " machine", lines.get(lines.size() - 1), text.stdout());

    Command.Result fits = relpack().run("check", "--release", RELEASE, "--from", from(Name.COMPLETE, Kind.OCI));
    assertEquals(0, fits.exitCode(), fits.stdout() + fits.stderr());
    String first = fits.stdout().lines().findFirst().orElse("");
    assertTrue(first.contains("complete") && !first.matches("(?i).*\\b(does not|doesn't|cannot|can't|not)\\b.*"),
        "the first line names the base and says it fits: " + fits.stdout());
  }

  static Stream<Arguments> everyFailingBase() {
    return Stream.of(
        Arguments.of(Name.NO_CRYPTO_LIBRARY, Kind.REGISTRY),
        Arguments.of(Name.NO_ERTS_LIBRARY, Kind.TAR),
        Arguments.of(Name.CRYPTO_WHITED_OUT, Kind.REGISTRY),
        Arguments.of(Name.CRYPTO_HIDDEN_BY_OPAQUE, Kind.OCI),
        Arguments.of(Name.MUSL, Kind.REGISTRY),
        Arguments.of(Name.NO_SHELL, Kind.TAR));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("everyFailingBase")
  void buildAgainstAFailingBasePushesAndWritesNothing(Name name, Kind kind) throws IOException {
    String base = from(name, kind);
    String repository = "refused/" + name.shortName();
    int before = registry.requests().size();
    Command.Result pushed = relpack().run("build", "--release", RELEASE, "--from", base,
        "--to", registry.address() + "/" + repository + ":1", "--progress", "none");
    assertEquals(3, pushed.exitCode(), pushed.stderr());
    assertTrue(pushed.stderr().startsWith("relpack: error: the release will not run on "),
        pushed.stderr());
    assertTrue(pushed.stderr().endsWith("\n  or build with --from host, which takes what the"
        + " release needs from this machine\n"), pushed.stderr());
    List<RegistryServer.Request> since = registry.requests().subList(before, registry.requests().size());
    assertTrue(since.stream().noneMatch(r -> r.path().contains("/" + repository + "/")),
        "nothing sent to the target: " + since);
    assertEquals(List.of(), registry.tags(repository), "no tag for " + repository);

    Path layout = work.resolve("refused-" + name.shortName());
    Command.Result written = relpack().run("build", "--release", RELEASE, "--from", base,
        "--to", "oci:" + layout + ":img", "--progress", "none");
    assertEquals(3, written.exitCode(), written.stderr());
    assertFalse(Files.exists(layout), "no layout written at " + layout);
  }

  @ParameterizedTest
  @EnumSource(value = Name.class, names = {"COMPLETE", "MERGED_USR"})
  void anImageBuiltOnABaseThatPassesBootsAndServes(Name name) throws IOException {
    Path layout = work.resolve("built-" + name.shortName());
    relpack().succeed("build", "--release", RELEASE, "--from", from(name, Kind.REGISTRY),
        "--to", "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("run-" + name.shortName()))) {
      assertEquals("hello, relpack\n", running.get("/"));
    }
  }

  @Test
  void aSecondCheckAgainstTheSameBaseDownloadsNoBlob() throws IOException {
    TestBase base = bases.get(Name.CRYPTO_HIDDEN_BY_OPAQUE);
    String reference = base.pushedTo(registry);
    String cache = work.resolve("cache-second-check").toString();
    List<String> layers = Skopeo.manifest("docker://" + reference).path("layers").findValuesAsText("digest");

    int before = registry.requests().size();
    CheckReport first = CheckReport.run(relpack(), RELEASE, reference, "--cache-dir", cache);
    assertEquals(3, first.exitCode(), first.toString());
    List<String> firstBlobs = blobGets(before);
    assertTrue(layers.stream().allMatch(l -> firstBlobs.stream().anyMatch(p -> p.endsWith(l))),
        "the first check reads every layer " + layers + ": " + firstBlobs);
    assertTrue(layers.stream().allMatch(l -> firstBlobs.stream().filter(p -> p.endsWith(l)).count() == 1),
        "and each once: " + firstBlobs);

    int between = registry.requests().size();
    CheckReport second = CheckReport.run(relpack(), RELEASE, reference, "--cache-dir", cache);
    assertEquals(first.verdict(), second.verdict(), "the same verdict from the cache");
    // the tag is pinned again (manifest and config, a few KB), but no layer is read
    assertEquals(List.of(), blobGets(between).stream()
        .filter(p -> layers.stream().anyMatch(p::endsWith)).toList(),
        "the second check downloads no layer");
  }

  @Test
  void aBuildToAnotherRegistryDownloadsEachBaseLayerOnceForTheCheckAndJib() throws IOException {
    String reference = bases.get(Name.COMPLETE).pushedTo(registry);
    List<String> layers = Skopeo.manifest("docker://" + reference).path("layers").findValuesAsText("digest");
    try (RegistryServer target = RegistryServer.start(work.resolve("other-registry"))) {
      int before = registry.requests().size();
      Command.Result build = relpack().succeed("build", "--release", RELEASE, "--from", reference,
          "--to", target.address() + "/app/demo:1", "--cache-dir",
          work.resolve("cache-one-download").toString(), "-v");
      String log = build.stderr();
      int readAhead = log.indexOf(" of base " + reference + " while the release was read");
      assertTrue(readAhead >= 0 && readAhead < log.indexOf("Preparing base"),
          "the base's layers were read while the release was: " + log);
      List<String> gets = blobGets(before);
      List<RegistryServer.Request> all = registry.requests();
      List<String> manifestGets = all.subList(before, all.size()).stream()
          .filter(r -> r.method().equals("GET") && r.path().contains("/manifests/"))
          .map(RegistryServer.Request::path).toList();
      // relpack's own (ahead of the check, then from memory for it) and jib's: a registry such as
      // Docker Hub counts each as a pull
      assertEquals(2, manifestGets.size(), manifestGets.toString());
      for (String layer : layers) {
        assertEquals(1, gets.stream().filter(p -> p.endsWith(layer)).count(),
            layer + " downloaded once, for the check, and taken by jib from its cache: " + gets);
      }
      assertEquals(layers, Skopeo.manifest("docker://" + target.address() + "/app/demo:1")
          .path("layers").findValuesAsText("digest").subList(0, layers.size()),
          "the base's layers are in the image");
    }
  }

  /** The blobs GET since request number {@code from}. */
  private static List<String> blobGets(int from) {
    List<RegistryServer.Request> all = registry.requests();
    return all.subList(from, all.size()).stream()
        .filter(r -> r.method().equals("GET") && r.path().contains("/blobs/sha256:"))
        .map(RegistryServer.Request::path).toList();
  }
}
