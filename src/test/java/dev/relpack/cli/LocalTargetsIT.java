package dev.relpack.cli;

import static dev.relpack.cli.BuildToRegistryIT.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tar: (docker-archive) and oci: (OCI layout) targets, read back by skopeo and umoci. */
class LocalTargetsIT {
  @TempDir Path work;

  private Relpack relpack() {
    return new Relpack(work.resolve("home"));
  }

  @Test
  void aDockerArchiveReadsBackWithSkopeoAndRuns() throws Exception {
    Path archive = work.resolve("demo.tar");
    relpack().succeed("build", "--release", Testdata.demoTarball().toString(),
        "--to", "tar:" + archive, "-t", "0.1.0", "-t", "stable");
    JsonNode manifestJson = new ObjectMapper().readTree(
        Command.run(List.of("tar", "-xOf", archive.toString(), "manifest.json"), Map.of(),
            Duration.ofSeconds(30)).requireSuccess().stdout());
    assertEquals(List.of("demo:0.1.0", "demo:stable"), strings(manifestJson.path(0).path("RepoTags")));
    JsonNode inspected = Skopeo.inspect("docker-archive:" + archive);
    assertEquals(7, inspected.path("Layers").size(), "host base (skeleton and files) and 5 release layers");
    assertEquals("demo", inspected.path("Labels").path("org.opencontainers.image.title").asText());
    JsonNode config = Skopeo.config("docker-archive:" + archive).path("config");
    assertEquals(List.of("/app/bin/demo"), strings(config.path("Entrypoint")));
    assertEquals(List.of("start"), strings(config.path("Cmd")));
    assertAuthorsAreRelpack(Skopeo.config("docker-archive:" + archive).path("history"), 6);

    Path layout = work.resolve("from-archive");
    Skopeo.copy("docker-archive:" + archive, "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("run"))) {
      assertEquals("hello, relpack\n", running.get("/"));
    }
    try (Stream<Path> left = Files.list(work)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left");
    }
  }

  @Test
  void anOciLayoutReadsBackWithSkopeoAndUmociAndKeepsOtherImages() throws Exception {
    Path layout = work.resolve("layout");
    // no SBOM: the blobs counted here are the image's (SbomAttachmentIT checks the SBOM's)
    Command.Result first = relpack().succeed("build", "--release", Testdata.demoTarball().toString(),
        "--to", "oci:" + layout + ":0.1.0", "--digest-file", work.resolve("d1").toString(),
        "--no-sbom");
    String digest = Files.readString(work.resolve("d1"));
    assertEquals(digest, Skopeo.inspect("oci:" + layout + ":0.1.0").path("Digest").asText());
    assertTrue(first.stdout().startsWith("Built oci:" + layout + "@" + digest), first.stdout());
    assertAuthorsAreRelpack(Skopeo.config("oci:" + layout + ":0.1.0").path("history"), 6);
    try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
      assertEquals(Skopeo.manifest("oci:" + layout + ":0.1.0").path("layers").size() + 2,
          blobs.count(), "the layers, the config and the manifest: none of jib's own");
    }

    relpack().succeed("build", "--release", Testdata.kind("relx").toString(), "--from", "scratch",
        "--no-check", "--to", "oci:" + layout + ":api");
    JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
    List<String> refs = strings(index.path("manifests").findValues("org.opencontainers.image.ref.name"));
    assertEquals(List.of("0.1.0", "api"), refs.stream().sorted().toList());
    assertEquals(digest, Skopeo.inspect("oci:" + layout + ":0.1.0").path("Digest").asText(),
        "the first image is still there");
    Command.Result list = Command.run(List.of("umoci", "ls", "--layout", layout.toString()),
        Map.of(), Duration.ofSeconds(30)).requireSuccess();
    assertEquals(List.of("0.1.0", "api"), list.stdout().lines().sorted().toList());
    Command.run(List.of("umoci", "stat", "--image", layout + ":0.1.0"), Map.of(),
        Duration.ofSeconds(30)).requireSuccess();
  }

  @Test
  void aTargetThatIsNotALayoutIsRefusedBeforeAnyWork() throws Exception {
    Path notLayout = work.resolve("notes");
    Files.createDirectories(notLayout);
    Files.writeString(notLayout.resolve("keep.txt"), "mine");
    Command.Result result = relpack().run("build", "--release", Testdata.demoTarball().toString(),
        "--to", "oci:" + notLayout);
    assertEquals(2, result.exitCode());
    assertTrue(result.stderr().contains("exists and is not an OCI layout"), result.stderr());
    try (Stream<Path> files = Files.list(notLayout)) {
      assertEquals(List.of(notLayout.resolve("keep.txt")), files.toList());
    }
    assertFalse(Files.exists(work.resolve("home/.cache/relpack/v1/units")), "no release was read");
  }

  /** The last {@code added} history entries (the build's) name relpack as author, none jib. */
  static void assertAuthorsAreRelpack(JsonNode history, int added) {
    assertTrue(history.size() >= added, history.toString());
    for (int i = history.size() - added; i < history.size(); i++) {
      assertEquals("relpack", history.get(i).path("author").asText(), history.toString());
    }
    assertFalse(history.toString().contains("\"Jib\""), history.toString());
  }
}
