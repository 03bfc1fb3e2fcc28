package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.TestBase;
import dev.relpack.testsupport.TestBases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CI job with no cache of its own, taking layers from an image of its target's repository
 * ({@code --cache-from}), writes that image again with its own layers instead of running jib,
 * when the result is exactly the config and manifest jib would push ({@link PredictedImage}).
 * Against the real registry, for each base and set of settings below: an image built with jib
 * (no cache, no state), then the same build with no cache and no state but {@code --cache-from}
 * that image, which must run no jib and give the same digest. Any setting or base field the
 * prediction gets wrong makes that build fall back to jib, and its test fail.
 */
class PredictedImageIT {
  static final String WITHOUT_JIB = "without jib: it is this build's image but for them";
  static final String NOT_THIS_IMAGE = "is not this build's image but for its layers";
  /** What jib says, with -v, as it builds. */
  static final String JIB = "Container entrypoint set to";
  static final List<String> SETTINGS = List.of("-p", "4000", "-p", "4369/udp", "-e", "FOO=bar",
      "-e", "LANG=C", "-l", "org.example.team=beam", "--user", "1000:1000",
      "--app-root", "/srv/demo");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static RegistryServer registry;
  /**
   * The registry the bases come from: another than the images', so jib builds each first image
   * (on its own base's registry relpack writes a new image without jib: {@code NewImageIT}).
   */
  static RegistryServer baseRegistry;
  static TestBases bases;
  static Path release;
  static int builds;

  @BeforeAll
  static void setUp() throws IOException {
    registry = RegistryServer.start(work.resolve("registry"));
    baseRegistry = RegistryServer.start(work.resolve("base-registry"));
    release = TestBases.unpackDemo(work.resolve("release"));
    bases = new TestBases(work.resolve("bases"), release);
  }

  @AfterAll
  static void stop() {
    registry.close();
    baseRegistry.close();
  }

  @Test
  void onTheMachinesOwnFilesWithDefaultSettings() {
    assertWrittenAgainWithoutJib("host", List.of());
  }

  @Test
  void onADockerArchive() throws IOException {
    assertWrittenAgainWithoutJib("archive",
        List.of("--from", bases.get(TestBases.Name.COMPLETE).tar()));
  }

  @Test
  void onAnOciLayout() throws IOException {
    assertWrittenAgainWithoutJib("layout",
        List.of("--from", bases.get(TestBases.Name.COMPLETE).oci()));
  }

  @Test
  void onScratch() {
    assertWrittenAgainWithoutJib("scratch", List.of("--from", "scratch", "--no-check"));
  }

  @Test
  void onARegistryBaseWithEverySettingGiven() throws IOException {
    List<String> args = new ArrayList<>(List.of("--from", richBase()));
    args.addAll(SETTINGS);
    assertWrittenAgainWithoutJib("settings", args);
  }

  @Test
  void onABaseInDockersFormatWhoseConfigSetsWhatTheBuildSetsToo() throws IOException {
    String docker = baseRegistry.address() + "/bases/rich-docker:1";
    Command.run(List.of("skopeo", "copy", "--quiet", "--format", "v2s2",
        "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + richBase(),
        "docker://" + docker), Map.of(), Duration.ofMinutes(2)).requireSuccess();
    assertEquals("application/vnd.docker.distribution.manifest.v2+json",
        Skopeo.manifest("docker://" + docker).path("mediaType").asText());
    List<String> args = new ArrayList<>(List.of("--from", docker));
    args.addAll(SETTINGS);
    assertWrittenAgainWithoutJib("docker", args);
  }

  @Test
  void aChangedModuleIsWrittenWithoutJibAndIsTheImageJibBuildsOfIt() throws IOException {
    String repository = registry.address() + "/predicted/changed";
    List<String> base =
        List.of("--from", bases.get(TestBases.Name.COMPLETE).pushedTo(baseRegistry));
    build(repository + ":prev", release, base);
    Path changed = work.resolve("changed");
    Command.run(List.of("cp", "-R", release.toString(), changed.toString()), Map.of(),
        Duration.ofMinutes(1)).requireSuccess();
    Path priv = Files.createDirectories(changed.resolve("lib/demo-0.1.0/priv"));
    Files.writeString(priv.resolve("changed.txt"), "one module\n");
    String full = digest(build(repository + ":full", changed, base));

    // the app layer, the config, and the SBOM's two blobs (its document and empty config)
    assertTakenWithoutJib(repository + ":next", changed, base, repository + ":prev", full, 4);
  }

  @Test
  void anImageOfOtherSettingsIsBuiltWithJibAndIsTheImageOfTheseSettings() throws IOException {
    String repository = registry.address() + "/predicted/other";
    String from = bases.get(TestBases.Name.COMPLETE).pushedTo(baseRegistry);
    build(repository + ":prev", release, List.of("--from", from, "-l", "stage=one"));
    String full = digest(build(repository + ":full", release,
        List.of("--from", from, "-l", "stage=two")));

    Command.Result taken = build(repository + ":next", release, List.of("--from", from,
        "-l", "stage=two", "--cache-from", repository + ":prev", "-v"));

    assertTrue(taken.stderr().contains(NOT_THIS_IMAGE), taken.stderr());
    assertTrue(taken.stderr().contains(JIB), "jib built it: " + taken.stderr());
    assertEquals(full, digest(taken));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Builds into {@code repository}:prev with jib, then again with {@code --cache-from} it: the
   * second must run no jib, upload nothing (the registry has every blob), and give the same
   * digest.
   */
  private static void assertWrittenAgainWithoutJib(String name, List<String> args) {
    String repository = registry.address() + "/predicted/" + name;
    String prev = digest(build(repository + ":prev", release, args));
    assertTakenWithoutJib(repository + ":next", release, args, repository + ":prev", prev, 0);
  }

  /**
   * A build into {@code to} with {@code --cache-from} {@code from}, which must run no jib, give
   * {@code digest}, and upload at most {@code uploads} blobs.
   */
  private static void assertTakenWithoutJib(String to, Path releaseDir, List<String> args,
      String from, String digest, int uploads) {
    List<String> taking = new ArrayList<>(args);
    taking.addAll(List.of("--cache-from", from, "-v"));
    int before = registry.requests().size();

    Command.Result taken = build(to, releaseDir, taking);

    assertTrue(taken.stderr().contains(WITHOUT_JIB), taken.stderr());
    assertFalse(taken.stderr().contains(JIB), "jib did not run: " + taken.stderr());
    assertEquals(digest, digest(taken));
    List<RegistryServer.Request> requests =
        registry.requests().subList(before, registry.requests().size());
    assertTrue(requests.stream().filter(RegistryServer.Request::isBlobUpload).count() <= uploads,
        requests.toString());
  }

  /**
   * The complete base with a config that sets what an image config can (environment, labels,
   * ports, volumes, entrypoint, arguments, user, working directory), each setting a history entry
   * without a layer, pushed as bases/rich:1.
   */
  private static synchronized String richBase() throws IOException {
    String reference = baseRegistry.address() + "/bases/rich:1";
    if (baseRegistry.tags("bases/rich").contains("1")) {
      return reference;
    }
    TestBase complete = bases.get(TestBases.Name.COMPLETE);
    Path layout = work.resolve("rich-layout");
    run(List.of("cp", "-R", complete.layout().toString(), layout.toString()));
    String image = layout + ":" + complete.ref();
    run(List.of("umoci", "config", "--image", image, "--config.env", "BASE_ONLY=1",
        "--config.env", "FOO=base", "--config.label", "org.example.base=yes",
        "--config.label", "org.example.team=base", "--config.exposedports", "8080/tcp",
        "--config.volume", "/data", "--config.entrypoint", "/bin/sh",
        "--config.cmd", "-c", "--config.cmd", "true", "--config.user", "1:1",
        "--config.workingdir", "/base"));
    run(List.of("umoci", "config", "--image", image, "--history.comment", "a second entry",
        "--config.label", "org.example.more=yes"));
    Skopeo.copy("oci:" + image, "docker://" + reference);
    return reference;
  }

  /** A build with no cache and no state of its own, as a new CI job's. */
  private static Command.Result build(String to, Path releaseDir, List<String> args) {
    int build = next();
    List<String> command = new ArrayList<>(List.of("build", "--release", releaseDir.toString(),
        "--to", to, "--cache-dir", work.resolve("cache-" + build).toString()));
    command.addAll(args);
    return new Relpack(work.resolve("home-" + build))
        .env("XDG_STATE_HOME", work.resolve("state-" + build).toString())
        .run(command).requireSuccess();
  }

  private static synchronized int next() {
    return ++builds;
  }

  private static void run(List<String> command) {
    Command.run(command, Map.of(), Duration.ofMinutes(2)).requireSuccess();
  }

  private static String digest(Command.Result result) {
    String out = result.stdout();
    int at = out.indexOf("@sha256:");
    assertTrue(at > 0, out);
    return out.substring(at + 1, at + 1 + 71);
  }
}
