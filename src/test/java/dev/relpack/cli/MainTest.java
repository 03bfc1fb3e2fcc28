package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Testdata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process with its own environment, home and streams. */
class MainTest {
  /** Shared by all tests, so the demo tarball is unpacked (and its layers compressed) once. */
  @TempDir static Path cache;
  @TempDir Path home;
  @TempDir Path work;

  private record Result(int status, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Context context = new Context(Map.of(), home,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, Path.of("/"));
    int status = Main.run(args, context);
    return new Result(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private Path target() {
    return work.resolve("out.tar");
  }

  /**
   * {@code build} of the demo from scratch to a tar: target, without progress lines; {@code
   * extra} adds options and replaces those defaults it names again.
   */
  private Result build(String... extra) {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("--release", Testdata.demoTarball().toString());
    defaults.put("--from", "scratch");
    defaults.put("--to", "tar:" + target());
    defaults.put("--cache-dir", cache.toString());
    defaults.put("--progress", "none");
    List<String> given = Arrays.asList(extra);
    List<String> args = new ArrayList<>(List.of("build"));
    defaults.forEach((option, value) -> {
      if (!given.contains(option)) {
        args.add(option);
        args.add(value);
      }
    });
    args.addAll(given);
    return run(args.toArray(String[]::new));
  }

  /** Exit 2, one line on stderr naming {@code mentioned}, no stack trace, nothing on stdout. */
  private static void assertBadInput(Result result, String... mentioned) {
    assertEquals(2, result.status(), result.err());
    assertEquals(1, result.errLines().size(), "expected one line on stderr:\n" + result.err());
    String line = result.errLines().get(0);
    assertTrue(line.startsWith("relpack: error: "), line);
    for (String m : mentioned) {
      assertTrue(line.contains(m), "'" + m + "' not in: " + line);
    }
    assertFalse(result.err().contains("at dev."), result.err());
    assertFalse(result.err().contains("Exception"), result.err());
    assertEquals("", result.out());
  }

  private void assertNoTarget() {
    assertFalse(Files.exists(target()), "the target was created");
    try (Stream<Path> files = Files.list(work)) {
      assertEquals(List.of(), files.toList(), "nothing may be written beside the target");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  // --- version and help

  @Test
  void versionPrintsNameAndVersion() {
    Result result = run("--version");
    assertEquals(0, result.status());
    assertEquals("relpack 0.1.0-SNAPSHOT", result.out().strip());
    assertEquals("", result.err());
  }

  @Test
  void helpListsTheCommands() {
    Result result = run("--help");
    assertEquals(0, result.status(), result.err());
    for (String expected : List.of("build", "inspect", "check", "--version", "--help")) {
      assertTrue(result.out().contains(expected), expected + " not in:\n" + result.out());
    }
  }

  @Test
  void buildHelpListsEveryOptionOfTheDesign() {
    Result result = run("build", "--help");
    assertEquals(0, result.status(), result.err());
    for (String option : List.of("--release", "--project-dir", "--from", "--to", "-t", "--tag",
        "-p", "--port", "-e", "--env", "-l", "--label", "--user", "--app-root", "--insecure",
        "--registry-ca", "--digest-file", "--metadata", "--cache-dir", "--no-check", "--progress",
        "-q", "--quiet", "-v", "--verbose", "--mix-env", "--no-deps-get", "--release-name",
        "--rebar-profile", "--no-release")) {
      assertTrue(result.out().contains(option + "=") || result.out().contains(option + ",")
              || result.out().contains(option + " "),
          option + " not in:\n" + result.out());
    }
    assertTrue(result.out().contains("65534:65534"), "default user shown");
    assertTrue(result.out().contains("/app"), "default app root shown");
  }

  @Test
  void inspectHelpListsItsOptions() {
    Result result = run("inspect", "--help");
    assertEquals(0, result.status(), result.err());
    for (String option : List.of("--release", "--json")) {
      assertTrue(result.out().contains(option), option + " not in:\n" + result.out());
    }
  }

  @Test
  void bareRelpackListsEveryCommandOnStderrAndExits2() {
    Result result = run();
    assertEquals(2, result.status(), result.err());
    assertEquals("", result.out());
    for (String command : List.of("build", "inspect", "check", "help")) {
      assertTrue(result.err().lines().anyMatch(l -> l.strip().startsWith(command + " ")),
          command + " not listed:\n" + result.err());
    }
  }

  @Test
  void everyCommandTakesVersion() {
    for (String command : List.of("build", "inspect", "check")) {
      for (String option : List.of("-V", "--version")) {
        Result result = run(command, option);
        assertEquals(0, result.status(), command + " " + option + ": " + result.err());
        assertEquals("relpack 0.1.0-SNAPSHOT", result.out().strip(), command + " " + option);
        assertEquals("", result.err());
      }
    }
  }

  // --- usage errors

  @Test
  void anUnknownOptionSuggestsTheNearestAndLeavesItsValueOut() {
    Result result = run("build", "--relase", "x", "--to", "tar:" + target());
    assertBadInput(result, "unknown option --relase; did you mean --release?",
        "(see: relpack build --help)");
    assertFalse(result.err().contains("'x'"), "its value is no second unknown: " + result.err());
    assertNoTarget();
  }

  @Test
  void anUnknownOptionWithItsValueAfterAnEqualsSign() {
    assertBadInput(run("inspect", "--jsn=yes"), "unknown option --jsn; did you mean --json?");
  }

  @Test
  void anOptionLikeNoOtherGetsNoSuggestion() {
    Result result = run("build", "--zzzzzz", "--to", "tar:" + target());
    assertBadInput(result, "unknown option --zzzzzz");
    assertFalse(result.err().contains("did you mean"), result.err());
  }

  @Test
  void twoUnknownOptionsAreNamedTogether() {
    assertBadInput(run("check", "--form", "scratch", "--jsno"),
        "unknown options --form (did you mean --from?), --jsno (did you mean --json?)");
  }

  @Test
  void anUnknownCommandSuggestsTheNearest() {
    assertBadInput(run("bild", "--to", "x"), "unknown command 'bild'; did you mean build?",
        "(see: relpack --help)");
  }

  @Test
  void aMissingValueIsAUsageError() {
    assertBadInput(run("build", "--progress"), "relpack: error: missing required parameter",
        "--progress");
  }

  @Test
  void anUnknownOptionIsOneLine() {
    assertBadInput(run("build", "--no-such-option", "--to", "tar:" + target()), "--no-such-option");
    assertNoTarget();
  }

  @Test
  void anUnknownTopLevelOptionIsOneLine() {
    assertBadInput(run("--no-such-option"), "--no-such-option");
  }

  @Test
  void aMissingToIsOneLine() {
    assertBadInput(run("build", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", cache.toString()), "--to");
  }

  @Test
  void aBadProgressValueIsOneLine() {
    assertBadInput(build("--progress", "fancy"), "--progress", "fancy");
    assertNoTarget();
  }

  // --- bad input to build: exit 2, one line, nothing written

  @Test
  void badFrom() {
    assertBadInput(build("--from", "Not A Base"), "--from", "Not A Base");
    assertNoTarget();
  }

  @Test
  void badPort() {
    assertBadInput(build("-p", "70000"), "--port 70000");
    assertNoTarget();
  }

  @Test
  void badUser() {
    assertBadInput(build("--user", "root user"), "--user root user");
    assertNoTarget();
  }

  @Test
  void badEnvName() {
    assertBadInput(build("-e", "1X=y"), "--env 1X");
    assertNoTarget();
  }

  @Test
  void envWithoutEquals() {
    assertBadInput(build("-e", "JUSTANAME"), "--env JUSTANAME", "KEY=VALUE");
    assertNoTarget();
  }

  @Test
  void labelWithoutKey() {
    assertBadInput(build("-l", "=value"), "--label =value");
    assertNoTarget();
  }

  @Test
  void badAppRoot() {
    assertBadInput(build("--app-root", "app"), "--app-root app");
    assertNoTarget();
  }

  @Test
  void badTag() {
    assertBadInput(build("-t", "-nope"), "tag -nope");
    assertNoTarget();
  }

  @Test
  void digestTarget() {
    String to = "registry.example.com/app@sha256:" + "0".repeat(64);
    assertBadInput(run("build", "--release", Testdata.demoTarball().toString(), "--from", "scratch",
        "--to", to, "--cache-dir", cache.toString()), "--to", "digest");
  }

  @Test
  void releaseThatDoesNotExist() {
    Path missing = work.resolve("no-such-release.tar.gz");
    assertBadInput(build("--release", missing.toString()), missing.toString());
    assertNoTarget();
  }

  @Test
  void directoryThatIsNotARelease() {
    Path dir = Testdata.bad("not-a-release");
    assertBadInput(build("--release", dir.toString()), dir.toString(), "not a release");
    assertNoTarget();
  }

  @Test
  void digestFileInAMissingDirectory() {
    Path file = work.resolve("missing/digest.txt");
    assertBadInput(build("--digest-file", file.toString()), "--digest-file", file.toString());
    assertNoTarget();
  }

  @Test
  void metadataFileInAMissingDirectory() {
    Path file = work.resolve("missing/meta.json");
    assertBadInput(build("--metadata", file.toString()), "--metadata", file.toString());
    assertNoTarget();
  }

  @Test
  void registryCaThatDoesNotExist() {
    Path ca = work.resolve("ca.pem");
    assertBadInput(build("--registry-ca", ca.toString()), ca.toString());
    assertNoTarget();
  }

  @Test
  void tarTargetInAMissingDirectory() {
    Path file = work.resolve("missing/out.tar");
    Result result = run("build", "--release", Testdata.demoTarball().toString(), "--from", "scratch",
        "--to", "tar:" + file, "--cache-dir", cache.toString());
    assertBadInput(result, file.toString(), "does not exist");
    assertFalse(Files.exists(file.getParent()));
  }

  @Test
  void tarTargetThatIsADirectory() throws Exception {
    Path dir = Files.createDirectory(work.resolve("dir.tar"));
    Result result = run("build", "--release", Testdata.demoTarball().toString(), "--from", "scratch",
        "--to", "tar:" + dir, "--cache-dir", cache.toString());
    assertBadInput(result, dir.toString(), "is a directory");
  }

  @Test
  void ociTargetThatIsSomeOtherDirectory() throws Exception {
    Path dir = Files.createDirectory(work.resolve("stuff"));
    Files.writeString(dir.resolve("keep.txt"), "mine");
    Result result = run("build", "--release", Testdata.demoTarball().toString(), "--from", "scratch",
        "--to", "oci:" + dir, "--cache-dir", cache.toString());
    assertBadInput(result, dir.toString(), "not an OCI layout");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(dir.resolve("keep.txt")), files.toList());
    }
  }

  @Test
  void noReleaseAtAll() {
    Result result = run("build", "--from", "scratch", "--to", "tar:" + target(),
        "--cache-dir", cache.toString(), "--progress", "none");
    assertBadInput(result, "--release", "--project-dir");
    assertNoTarget();
  }

  @Test
  void withProgressLinesTheErrorIsStillOneLineAndLast() {
    Path missing = work.resolve("no-such-release.tar.gz");
    Result result = run("build", "--release", missing.toString(), "--from", "scratch",
        "--to", "tar:" + target(), "--cache-dir", cache.toString(), "--progress", "plain");
    assertEquals(2, result.status(), result.err());
    List<String> lines = result.errLines();
    String last = lines.get(lines.size() - 1);
    assertTrue(last.startsWith("relpack: error: ") && last.contains(missing.toString()), last);
    assertEquals(1, lines.stream().filter(l -> l.startsWith("relpack:")).count(), result.err());
    assertFalse(result.err().contains("at dev."), result.err());
    assertNoTarget();
  }

  @Test
  void noReleaseAtAllIsOneLineEvenWithProgress() {
    Result result = run("build", "--from", "scratch", "--to", "tar:" + target(),
        "--cache-dir", cache.toString());
    assertBadInput(result, "--release", "--project-dir");
  }

  // --- inspect

  @Test
  void inspectPrintsTheReleaseAndItsLayers() {
    Result result = run("inspect", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", cache.toString());
    assertEquals(0, result.status(), result.err());
    assertEquals("", result.err());
    List<String> lines = result.out().lines().toList();
    assertTrue(lines.get(0).matches("release\\s+demo 0\\.1\\.0 \\(mix\\)"), lines.get(0));
    assertTrue(lines.contains("entrypoint  /app/bin/demo"), result.out());
    assertTrue(lines.contains("cmd         start"), result.out());
    assertTrue(lines.contains("native      linux/amd64, glibc (/lib64/ld-linux-x86-64.so.2)"),
        "the demo release was built on Debian amd64: " + result.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("links ") && l.contains(" libcrypto.so.3")),
        result.out());
    int layers = lines.indexOf("layers");
    assertTrue(layers > 0, result.out());
    List<String> names = lines.subList(layers + 1, lines.size()).stream()
        .map(l -> l.strip().split("\\s+")[0]).toList();
    assertEquals(List.of("erts", "otp", "deps", "app", "release"), names);
    assertTrue(lines.subList(layers + 1, lines.size()).stream()
        .allMatch(l -> l.matches("  \\S+ +\\d+ files +[\\d.]+ [kMG]?B uncompressed .*")),
        "sizes labelled: " + result.out());
  }

  @Test
  void inspectFollowsTheAppRoot() {
    Result result = run("inspect", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", cache.toString(), "--app-root", "/srv/demo/");
    assertEquals(0, result.status(), result.err());
    assertTrue(result.out().lines().anyMatch("entrypoint  /srv/demo/bin/demo"::equals),
        result.out());
  }

  @Test
  void inspectJson() throws Exception {
    Result result = run("inspect", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", cache.toString(), "--json");
    assertEquals(0, result.status(), result.err());
    JsonNode json = new ObjectMapper().readTree(result.out());
    assertEquals("demo", json.path("name").asText());
    assertEquals("0.1.0", json.path("version").asText());
    assertEquals("mix", json.path("kind").asText());
    assertEquals("start", json.path("startCommand").asText());
    assertEquals(1, json.path("entrypoint").size(), json.toString());
    assertEquals("/app/bin/demo", json.path("entrypoint").get(0).asText());
    assertEquals(1, json.path("cmd").size(), json.toString());
    assertEquals("start", json.path("cmd").get(0).asText());
    assertTrue(json.path("erts").path("included").asBoolean());
    assertFalse(json.path("erts").path("version").asText().isEmpty());
    JsonNode nativeCode = json.path("native");
    assertEquals("amd64", nativeCode.path("architecture").asText());
    assertEquals("glibc", nativeCode.path("libc").asText());
    assertTrue(nativeCode.path("libraries").toString().contains("\"libtinfo.so.6\""),
        nativeCode.toString());
    JsonNode layers = json.path("layers");
    assertEquals(5, layers.size(), layers.toString());
    List<String> names = new ArrayList<>();
    for (JsonNode layer : layers) {
      names.add(layer.path("name").asText());
      assertTrue(layer.path("apps").isArray(), layer.toString());
      assertTrue(layer.path("files").asLong() > 0, layer.toString());
      assertTrue(layer.path("bytes").asLong() > 0, layer.toString());
      assertEquals(layer.path("bytes").asLong(), layer.path("uncompressedBytes").asLong(),
          "a field added, none renamed: " + layer);
    }
    assertEquals(List.of("erts", "otp", "deps", "app", "release"), names);
    assertEquals("[\"demo-0.1.0\"]", layers.get(3).path("apps").toString());
    assertTrue(layers.get(1).path("apps").toString().contains("\"kernel-"), layers.get(1).toString());
    assertEquals(0, layers.get(0).path("apps").size(), "erts holds no application");
    assertTrue(json.path("apps").size() > 0);
  }

  @Test
  void inspectWithAnAppTheReleaseDoesNotHave() {
    Result result = run("inspect", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", cache.toString(), "--app", "no_such_app");
    assertBadInput(result, "--app no_such_app");
  }

  @Test
  void inspectWithoutRelease() {
    assertBadInput(run("inspect", "--cache-dir", cache.toString()), "--release");
  }

  // --- a real build, no registry needed

  @Test
  void buildsFromScratchToATarArchive() throws Exception {
    Path digestFile = work.resolve("digest.txt");
    Result result = build("-t", "1.0", "--digest-file", digestFile.toString(), "--no-check");
    assertEquals(0, result.status(), result.err());
    assertTrue(result.out().startsWith("Built "), result.out());
    assertTrue(Files.size(target()) > 0);
    String digest = Files.readString(digestFile).strip();
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
    assertTrue(result.out().contains("tags: 1.0"), result.out());
    assertFalse(result.err().contains("at dev."), result.err());
  }

  @Test
  void plainProgressNamesEveryLayerAsWrittenAndNoneNamesNone() throws Exception {
    Result plain = build("--progress", "plain", "--no-check");
    assertEquals(0, plain.status(), plain.err());
    List<String> layers = plain.errLines().stream().filter(l -> l.startsWith("  wrote ")).toList();
    assertEquals(List.of("erts", "otp", "deps", "app", "release"),
        layers.stream().map(l -> l.split(" ")[3]).toList(), plain.err());
    for (String line : layers) {
      assertTrue(line.matches("  wrote \\S+ [\\d.]+ [kM]?B \\((built|reused from cache)\\)"), line);
    }
    String id = plain.out().lines().filter(l -> l.startsWith("  image ID: ")).findFirst()
        .orElseThrow(() -> new AssertionError("no image ID for a tar: target: " + plain.out()));
    assertTrue(id.matches("  image ID: sha256:[0-9a-f]{64} \\(docker load names it demo:latest\\)"),
        id);
    assertFalse(plain.out().contains("uploaded"), "nothing is uploaded to a file: " + plain.out());

    Result none = build("--no-check");
    assertEquals(0, none.status(), none.err());
    assertFalse(none.err().contains("wrote"), none.err());
  }

  @Test
  void theImageIdOfATarIsTheDigestOfTheConfigDockerLoads() throws Exception {
    Result result = build("--no-check", "--metadata", work.resolve("meta.json").toString());
    assertEquals(0, result.status(), result.err());
    String imageId = new ObjectMapper().readTree(work.resolve("meta.json").toFile())
        .path("imageId").asText();
    assertTrue(result.out().contains("  image ID: " + imageId + " "), result.out());
    byte[] config = null;
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        Files.newInputStream(target()))) {
      for (var entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        if (entry.getName().equals("config.json")) {
          config = tar.readAllBytes();
        }
      }
    }
    assertTrue(config != null, "the archive has config.json");
    assertEquals(imageId, "sha256:" + java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(config)));
  }

  @Test
  void buildsFromScratchToAnOciLayout() throws Exception {
    Path layout = work.resolve("layout");
    Result result = run("build", "--release", Testdata.demoTarball().toString(), "--from", "scratch",
        "--to", "oci:" + layout + ":v1", "--cache-dir", cache.toString(), "--progress", "none",
        "--no-check");
    assertEquals(0, result.status(), result.err());
    assertTrue(result.out().startsWith("Built "), result.out());
    assertTrue(Files.isRegularFile(layout.resolve("oci-layout")));
    JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
    assertEquals("v1", index.path("manifests").get(0).path("annotations")
        .path("org.opencontainers.image.ref.name").asText());
  }
}
