package dev.relpack.cli;

import static dev.relpack.cli.BuildToRegistryIT.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds sharing one cache at the same time, as parallel CI jobs on one runner do. */
class ConcurrentBuildsIT {
  private static final int BUILDS = 4;
  @TempDir Path work;

  @Test
  void buildsStartedTogetherOnAnEmptyCacheAllSucceedAndAgree() throws Exception {
    Relpack relpack = new Relpack(work.resolve("home"));
    List<CompletableFuture<Command.Result>> running = IntStream.range(0, BUILDS)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> relpack.run("build",
            "--release", Testdata.demoTarball().toString(), "--to", "oci:" + work.resolve("out" + i),
            "--metadata", work.resolve("metadata" + i + ".json").toString(), "--progress", "none")))
        .toList();
    for (CompletableFuture<Command.Result> build : running) {
      Command.Result result = build.join();
      assertEquals(0, result.exitCode(), result.stderr());
    }
    ObjectMapper json = new ObjectMapper();
    Set<String> digests = IntStream.range(0, BUILDS).mapToObj(i -> {
      try {
        JsonNode metadata = json.readTree(work.resolve("metadata" + i + ".json").toFile());
        assertTrue(metadata.path("base").path("digest").asText().matches("sha256:[0-9a-f]{64}"),
            metadata.path("base").toString());
        return metadata.path("digest").asText();
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }).collect(Collectors.toSet());
    assertEquals(1, digests.size(), "one image, however the builds interleaved: " + digests);
    try (var staging = Files.list(work.resolve("home/.cache/relpack/v1/tmp"))) {
      assertEquals(List.of(), staging.toList(), "no staging left behind");
    }
  }

  @Test
  void buildsTaggingOneLayoutAtOnceKeepEveryTag() throws Exception {
    Relpack relpack = new Relpack(work.resolve("home"));
    Path layout = work.resolve("shared-layout");
    List<CompletableFuture<Command.Result>> running = IntStream.range(0, BUILDS)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> relpack.run("build",
            "--release", Testdata.demoTarball().toString(), "--to", "oci:" + layout + ":t" + i,
            "-e", "BUILD=" + i, "--progress", "none")))
        .toList();
    for (CompletableFuture<Command.Result> build : running) {
      Command.Result result = build.join();
      assertEquals(0, result.exitCode(), result.stderr());
    }
    Set<String> tags = new TreeSet<>(List.of(Command.run(List.of("umoci", "ls", "--layout",
        layout.toString()), Map.of(), Duration.ofMinutes(1)).requireSuccess().stdout().split("\\s+")));
    assertEquals(IntStream.range(0, BUILDS).mapToObj(i -> "t" + i)
        .collect(Collectors.toCollection(TreeSet::new)), tags);
    for (int i = 0; i < BUILDS; i++) {
      assertTrue(strings(Skopeo.config("oci:" + layout + ":t" + i).path("config").path("Env"))
          .contains("BUILD=" + i), "t" + i + " is build " + i + "'s image");
    }
  }
}
