package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.boot.Verdict;
import dev.relpack.error.BadInputException;
import dev.relpack.publish.LayoutTarget;
import dev.relpack.testsupport.RecordingReporter;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's two steps, in-process: the demo release on this machine ({@code --from host})
 * into an OCI layout. A plan writes nothing but the cache; publishing it writes what a one-call
 * run writes.
 */
class EngineTest {
  @TempDir Path work;

  private final Engine engine = new Engine(Path.of("/"));

  private BuildRequest request(String name) {
    return BuildRequest.builder(Map.of(), work.resolve("home"))
        .release(Testdata.demoTarball())
        .to("oci:" + work.resolve(name + "-layout") + ":0.1.0")
        .digestFile(work.resolve(name + ".digest"))
        .metadataFile(work.resolve(name + ".json"))
        .cacheDir(work.resolve("cache"))
        .build();
  }

  private List<String> namesIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aPlanWritesNothingButTheCacheAndPublishingItWritesWhatARunWrites() throws IOException {
    RecordingReporter planning = new RecordingReporter();
    BuildPlan plan = engine.plan(request("planned"), planning);

    // the cache, and the user's private state: which packages own the host base's files, what
    // the tarball held, and the release units sealed as they were unpacked (not when the umask
    // lets others write)
    assertEquals(List.of("cache", "home"), namesIn(work), "no layout, digest or metadata");
    List<String> state = namesIn(work.resolve("home/.local/state/relpack"));
    assertTrue(state.contains("host-packages"), state.toString());
    assertTrue(List.of("host-packages", "tarballs", "unit-seals").containsAll(state),
        state.toString());
    assertTrue(plan.target().orElseThrow() instanceof LayoutTarget);
    assertEquals("demo", plan.release().name());
    assertEquals(plan.base(), plan.spec().base());
    assertFalse(planning.steps().stream().anyMatch(s -> s.startsWith("Building")),
        planning.steps().toString());

    Verdict verdict = engine.check(plan, planning);
    assertTrue(verdict.fits(), "the demo release boots on the machine it was built on: "
        + verdict.problems());
    assertEquals(List.of("cache", "home"), namesIn(work), "checking writes nothing either");

    BuildReport published = engine.publish(plan, new RecordingReporter());
    BuildReport ran = engine.run(request("ran"), new RecordingReporter());

    String digest = Files.readString(work.resolve("planned.digest"));
    assertEquals(published.image().digest(), digest);
    assertEquals(digest, Files.readString(work.resolve("ran.digest")),
        "the same release on the same base gives the same image either way");
    assertArrayEquals(Files.readAllBytes(work.resolve("ran-layout/index.json")),
        Files.readAllBytes(work.resolve("planned-layout/index.json")));
    assertEquals(namesIn(work.resolve("ran-layout/blobs/sha256")),
        namesIn(work.resolve("planned-layout/blobs/sha256")));
    // the same layers; only their origin differs (the run found them in the cache the plan filled)
    assertEquals(ran.image().layers().stream().map(l -> l.name() + " " + l.digest() + " " + l.size())
        .toList(), published.image().layers().stream()
        .map(l -> l.name() + " " + l.digest() + " " + l.size()).toList());
    assertTrue(Files.isRegularFile(work.resolve("planned.json")));
    assertEquals("oci:" + work.resolve("planned-layout") + "@" + digest, published.reference());
  }

  @Test
  void aPlanWithoutATargetChecksButIsNotPublished() throws IOException {
    BuildRequest request = BuildRequest.builder(Map.of(), work.resolve("home"))
        .release(Testdata.demoTarball())
        .digestFile(work.resolve("d"))
        .cacheDir(work.resolve("cache"))
        .build();
    BuildPlan plan = engine.planWithoutTarget(request, new RecordingReporter());
    assertTrue(plan.target().isEmpty());

    BadInputException refused =
        assertThrows(BadInputException.class, () -> engine.publish(plan, new RecordingReporter()));
    assertEquals("this build plan was made without a target, to check the base; plan it with a"
        + " target to publish it", refused.getMessage());
    assertEquals(List.of("cache", "home"), namesIn(work), "no digest file, no image");
  }

  @Test
  void aPlanNeedsATargetItCanWrite() throws IOException {
    Path file = Files.writeString(work.resolve("a-file"), "x");
    BuildRequest request = BuildRequest.builder(Map.of(), work.resolve("home"))
        .release(Testdata.demoTarball()).to("oci:" + file).cacheDir(work.resolve("cache")).build();
    BadInputException e =
        assertThrows(BadInputException.class, () -> engine.plan(request, new RecordingReporter()));
    assertTrue(e.getMessage().contains("is a file; name a directory"), e.getMessage());
  }
}
