package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.io.ExclusiveLock;
import dev.relpack.io.Sha256;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aBuildWaitsForItsTurnAtALayoutsIndexAndThenKeepsTheOtherTags() throws Exception {
    Relpack relpack = new Relpack(work.resolve("home"));
    Path layout = work.resolve("shared-layout");
    relpack.succeed("build", "--release", Testdata.demoTarball().toString(),
        "--to", "oci:" + layout + ":first", "--progress", "none");
    byte[] before = Files.readAllBytes(layout.resolve("index.json"));
    // stand in for another build holding the layout's lock (its name is relpack's own)
    Path lockFile = work.resolve("home/.cache/relpack/v1/locks/layout-"
        + Sha256.of(layout.toRealPath().toString()) + ".lock");
    Process second = null;
    try {
      try (ExclusiveLock held = ExclusiveLock.acquire(lockFile, () -> fail("the lock was taken"))) {
        second = relpack.start(List.of("build", "--release", Testdata.demoTarball().toString(),
            "--to", "oci:" + layout + ":second", "--progress", "plain"));
        BufferedReader output = new BufferedReader(
            new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = output.readLine()) != null && !line.contains("waiting for"); ) {
          lines.add(line);
        }
        assertTrue(second.isAlive(), "the build said it waits: " + lines);
        assertArrayEquals(before, Files.readAllBytes(layout.resolve("index.json")),
            "the index is untouched while another build has its turn");
      }
      assertTrue(second.waitFor(3, TimeUnit.MINUTES));
      assertEquals(0, second.exitValue());
    } finally {
      if (second != null) {
        second.destroyForcibly();
      }
    }
    String tags = Command.run(List.of("umoci", "ls", "--layout", layout.toString()), Map.of(),
        Duration.ofMinutes(1)).requireSuccess().stdout();
    assertEquals(List.of("first", "second"), tags.lines().sorted().toList());
  }

  /**
   * Parallel CI jobs pushing with one shared, initially empty cache (the case, where one
   * push in a few rounds failed with "provided digest did not match uploaded content"). Three
   * rounds here; src/test/scripts/concurrent-pushes.sh runs twenty.
   */
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void concurrentPushesSharingOneEmptyCacheAllSucceedAndAgree() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(BUILDS);
      try {
        for (int round = 0; round < 3; round++) {
          Path cache = work.resolve("shared-cache-" + round);
          Relpack relpack = new Relpack(work.resolve("home-" + round));
          int r = round;
          List<java.util.concurrent.Future<Command.Result>> pushes = new ArrayList<>();
          for (int i = 0; i < BUILDS; i++) {
            String to = registry.address() + "/round" + r + "/demo" + i + ":1";
            Path digest = work.resolve("digest-" + r + "-" + i);
            pushes.add(pool.submit(() -> relpack.run("build", "--release",
                Testdata.demoTarball().toString(), "--to", to, "--cache-dir", cache.toString(),
                "--digest-file", digest.toString(), "--progress", "none")));
          }
          Set<String> digests = new java.util.HashSet<>();
          for (int i = 0; i < BUILDS; i++) {
            Command.Result result = pushes.get(i).get();
            assertEquals(0, result.exitCode(), "round " + r + ", push " + i + ": " + result.stderr());
            digests.add(Files.readString(work.resolve("digest-" + r + "-" + i)).trim());
          }
          assertEquals(1, digests.size(), "one image in round " + r + ": " + digests);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
