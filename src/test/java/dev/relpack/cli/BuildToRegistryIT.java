package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job, end to end: the demo release built with --from host and pushed to a real
 * registry, checked by skopeo, then pulled back, unpacked by umoci and run under bubblewrap.
 */
class BuildToRegistryIT {
  @TempDir static Path work;
  static RegistryServer registry;
  static String image;
  static Command.Result build;
  static JsonNode metadata;
  static String digest;

  @BeforeAll
  static void buildAndPush() throws Exception {
    registry = RegistryServer.start(work.resolve("registry"));
    image = registry.address() + "/group/demo";
    build = new Relpack(work.resolve("home")).succeed("build",
        "--release", Testdata.demoTarball().toString(), "--from", "host", "--to", image + ":0.1.0",
        "-t", "latest", "-p", "4000", "-e", "GREETING=hej", "-l", "team=core",
        "--digest-file", work.resolve("digest").toString(),
        "--metadata", work.resolve("metadata.json").toString(),
        "--dotenv", work.resolve("image.env").toString());
    digest = Files.readString(work.resolve("digest"));
    metadata = new ObjectMapper().readTree(work.resolve("metadata.json").toFile());
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void theRegistryHoldsTheImageUnderBothTags() {
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
    assertEquals(digest, Skopeo.inspect("docker://" + image + ":0.1.0").path("Digest").asText());
    assertEquals(digest, Skopeo.inspect("docker://" + image + ":latest").path("Digest").asText());
    assertEquals(List.of("group/demo"), registry.repositories());
    assertTrue(build.stdout().startsWith("Built " + image + "@" + digest), build.stdout());
  }

  @Test
  void theDotenvReportNamesTheImageItsDigestAndTagsForALaterJob() throws Exception {
    assertEquals("RELPACK_IMAGE=" + image + ":0.1.0\n"
        + "RELPACK_DIGEST=" + digest + "\n"
        + "RELPACK_IMAGE_WITH_DIGEST=" + image + "@" + digest + "\n"
        + "RELPACK_TAGS=0.1.0,latest\n", Files.readString(work.resolve("image.env")));
    String pinned = image + "@" + digest;
    assertEquals(digest, Skopeo.inspect("docker://" + pinned).path("Digest").asText(),
        "the pinned reference is one a client pulls");
  }

  @Test
  void theConfigHasTheDefaultsAndTheOptions() {
    JsonNode config = Skopeo.config("docker://" + image + ":0.1.0").path("config");
    assertEquals(List.of("/app/bin/demo"), strings(config.path("Entrypoint")));
    assertEquals(List.of("start"), strings(config.path("Cmd")));
    assertEquals("65534:65534", config.path("User").asText());
    assertEquals("/app", config.path("WorkingDir").asText());
    assertTrue(config.path("ExposedPorts").has("4000/tcp"), config.toString());
    List<String> env = strings(config.path("Env"));
    for (String expected : List.of("LANG=C.UTF-8", "RELEASE_TMP=/tmp", "GREETING=hej",
        "ERL_CRASH_DUMP=/tmp/erl_crash.dump")) {
      assertTrue(env.contains(expected), env.toString());
    }
    assertTrue(env.stream().anyMatch(e -> e.startsWith("PATH=")), "PATH from the host base");
    JsonNode labels = config.path("Labels");
    assertEquals("demo", labels.path("org.opencontainers.image.title").asText());
    assertEquals("0.1.0", labels.path("org.opencontainers.image.version").asText());
    assertEquals("host", labels.path("org.opencontainers.image.base.name").asText());
    assertEquals(metadata.path("base").path("digest").asText(),
        labels.path("org.opencontainers.image.base.digest").asText());
    assertEquals("core", labels.path("team").asText());
  }

  @Test
  void theLayersAreTheBaseAndHostFilesThenErtsOtpDepsAppRelease() {
    JsonNode manifest = Skopeo.manifest("docker://" + image + ":0.1.0");
    assertEquals("application/vnd.oci.image.manifest.v1+json", manifest.path("mediaType").asText());
    JsonNode layers = metadata.path("layers");
    assertEquals(List.of("base", "host", "erts", "otp", "deps", "app", "release"),
        strings(layers.findValues("name")));
    assertEquals(manifest.path("layers").size(), layers.size());
    for (int i = 0; i < layers.size(); i++) {
      assertEquals(manifest.path("layers").get(i).path("digest").asText(), layers.get(i).path("digest").asText());
      assertEquals(manifest.path("layers").get(i).path("size").asLong(), layers.get(i).path("size").asLong());
    }
    assertEquals(digest, metadata.path("digest").asText());
    assertEquals(image + "@" + digest, metadata.path("image").asText());
    assertEquals(List.of("0.1.0", "latest"), strings(metadata.path("tags")));
    for (String line : List.of("base", "host", "erts", "otp", "deps", "app", "release")) {
      assertTrue(build.stdout().lines().anyMatch(l -> l.trim().startsWith(line + " ")), build.stdout());
    }
  }

  @Test
  void theImageBootsAnswersHttpLoadsItsNifAndStopsOnSigterm() throws Exception {
    Path layout = work.resolve("pulled");
    Skopeo.copy("docker://" + image + ":0.1.0", "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("run"))) {
      assertEquals("hello, relpack\n", running.get("/"));
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest("abc".getBytes(StandardCharsets.UTF_8)));
      assertEquals(sha + "\n", running.get("/sha256/abc"), "the crypto NIF loaded libcrypto");
      assertTrue(running.get("/version").startsWith("demo 0.1.0 otp "));
      assertEquals(0, running.terminate(Duration.ofSeconds(30)), running.output());
    }
  }

  @Test
  void twoContainersOfTheImageRunSideBySideAndOutliveEachOther() throws Exception {
    // as two replicas on one node do: each in its own network, each with its own epmd and node
    Path layout = work.resolve("pulled-twice");
    Skopeo.copy("docker://" + image + ":0.1.0", "oci:" + layout + ":twice");
    try (RunningImage second = RunningImage.boot(layout, "twice", work.resolve("second"))) {
      try (RunningImage first = RunningImage.boot(layout, "twice", work.resolve("first"))) {
        assertEquals("hello, relpack\n", first.get("/"), first.output());
        assertEquals("hello, relpack\n", second.get("/"), second.output());
      }
      assertEquals("hello, relpack\n", second.get("/"), "the first one's exit stopped the second");
      assertEquals(0, second.terminate(Duration.ofSeconds(30)), second.output());
    }
  }

  @Test
  void argumentsGivenToTheImageReplaceItsCommandAndGoToTheReleaseScript() throws Exception {
    Path layout = work.resolve("pulled-for-eval");
    Skopeo.copy("docker://" + image + ":0.1.0", "oci:" + layout + ":eval");
    // as `docker run IMAGE eval "..."` and a migration job's `args:` do: no --entrypoint
    Command.Result eval = RunningImage.runWithArguments(layout, "eval", work.resolve("eval"),
        List.of("eval", "IO.puts(:ok_from_eval)"));
    assertEquals(0, eval.exitCode(), eval.stdout() + eval.stderr());
    assertEquals(List.of("ok_from_eval"), eval.stdout().lines().toList(), eval.stderr());
  }

  @Test
  void historyNamesRelpackForEveryLayerItAdded() {
    JsonNode history = Skopeo.config("docker://" + image + ":0.1.0").path("history");
    List<JsonNode> relpack = new ArrayList<>();
    history.forEach(relpack::add);
    // base (host directories), host files, erts, otp, deps, app, release
    assertEquals(7, relpack.size(), history.toString());
    for (JsonNode entry : relpack) {
      assertTrue(entry.path("created_by").asText().startsWith("relpack"), history.toString());
      assertFalse(entry.path("created_by").asText().toLowerCase().contains("jib"),
          history.toString());
    }
    // the entries of the layers jib added: jib names itself their author, relpack renames it
    for (JsonNode entry : relpack.subList(1, 7)) {
      assertEquals("relpack", entry.path("author").asText(), history.toString());
    }
    assertEquals(List.of("host", "erts", "otp", "deps", "app", "release"),
        relpack.subList(1, 7).stream().map(e -> e.path("comment").asText()).toList());
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  static List<String> strings(List<JsonNode> nodes) {
    return nodes.stream().map(JsonNode::asText).toList();
  }
}
