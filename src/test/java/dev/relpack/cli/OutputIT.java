package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.report.Sizes;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a person sees: a bar on a terminal, a line per step on a pipe, one line with -q. */
class OutputIT {
  @TempDir Path work;

  private List<String> args(String to, String... more) {
    // no SBOM: the uploads counted here are the image's (SbomAttachmentIT counts the SBOM's)
    List<String> args = new java.util.ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--to", to, "--no-sbom"));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void aTerminalGetsAProgressBarThenTheSummary() {
    String jar = Path.of(System.getProperty("relpack.jar", "target/relpack.jar")).toAbsolutePath().toString();
    String java = ProcessHandle.current().info().command().orElse("java");
    String command = String.join(" ", java, "-jar", jar, String.join(" ",
        args("oci:" + work.resolve("tty"))));
    // script(1) runs the command on a pseudo-terminal, as an interactive shell would
    Command.Result result = Command.run(List.of("script", "-qec", command, "/dev/null"),
        Map.of("HOME", work.resolve("home").toString(), "TERM", "xterm"), Duration.ofMinutes(3))
        .requireSuccess();
    String out = result.stdout();
    assertTrue(out.contains("\r["), "a bar redrawn in place: " + out);
    assertTrue(out.contains("] 100% "), out);
    assertTrue(out.contains("Built oci:" + work.resolve("tty") + "@sha256:"), out);
  }

  @Test
  void aBarIsDrawnOnlyWhenStderrIsATerminal() throws Exception {
    String jar = Path.of(System.getProperty("relpack.jar", "target/relpack.jar")).toAbsolutePath().toString();
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = work.resolve("stderr.log");
    // stdout on the terminal, stderr to a file: no bar in the file
    String command = String.join(" ", java, "-jar", jar, String.join(" ",
        args("oci:" + work.resolve("tty2"))), "2>" + log);
    Command.run(List.of("script", "-qec", command, "/dev/null"),
        Map.of("HOME", work.resolve("home").toString(), "TERM", "xterm"), Duration.ofMinutes(3))
        .requireSuccess();
    String stderr = Files.readString(log);
    assertFalse(stderr.contains("\r"), stderr);
    assertTrue(stderr.startsWith("Reading release "), stderr);
  }

  @Test
  void aPipeGetsOneLinePerStepAndTheSummary() {
    Command.Result result = new Relpack(work.resolve("home")).run(args("oci:" + work.resolve("pipe")))
        .requireSuccess();
    assertFalse(result.stderr().contains("\r"), result.stderr());
    assertEquals(List.of("Reading release", "Release demo", "Preparing base", "Checking that",
        "Building oci"),
        result.stderr().lines().filter(l -> !l.startsWith("  "))
            .map(l -> l.split("[ :]")[0] + " " + l.split("[ :]")[1]).toList());
    assertEquals(List.of("base", "host", "erts", "otp", "deps", "app", "release"),
        result.stderr().lines().filter(l -> l.startsWith("  wrote "))
            .map(l -> l.split(" ")[3]).map(n -> n.equals("layer") ? "base" : n).toList(),
        "a line per layer, in image order, once the layout is written: " + result.stderr());
    List<String> summary = result.stdout().lines().toList();
    assertTrue(summary.get(0).startsWith("Built oci:"), summary.get(0));
    assertTrue(summary.get(summary.size() - 1).matches(
        "  7 layers, [\\d.]+ MB compressed; [\\d.]+ s"), summary.get(summary.size() - 1));
  }

  /**
   * A job log (stderr not a terminal) says of each layer, as it is done, what became of it: all
   * pushed the first time, all already in the registry when the same release is pushed again,
   * all written to an OCI layout; each named as the layer plan names it, with its compressed size.
   */
  @Test
  void aJobLogSaysOfEachLayerWhetherItWasPushedFoundOrWritten() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      Relpack relpack = new Relpack(work.resolve("home"));
      String image = registry.address() + "/group/demo:1";
      Path firstMeta = work.resolve("first.json");
      Command.Result first = relpack.run(args(image, "--metadata", firstMeta.toString()))
          .requireSuccess();
      JsonNode layers = new ObjectMapper().readTree(firstMeta.toFile()).path("layers");
      assertEquals(7, layers.size(), layers.toString());
      assertEquals(expectedLines(layers, "pushed %s %s (built)", "pushed base layer %s %s"),
          layerLines(first.stderr()), first.stderr());
      // jib's config, then the one relpack writes with itself as the history's author
      assertEquals(9, registry.requests().stream().filter(r -> r.method().equals("PUT")
          && r.path().contains("/blobs/uploads/")).count(), "7 layers and the configs uploaded");
      assertEquals(List.of("pushed"), deliveries(layers));
      assertTrue(first.stdout().lines().anyMatch(l -> l.matches(
          "  7 layers, [\\d.]+ MB compressed; uploaded [\\d.]+ MB in 8 blobs; [\\d.]+ s")),
          first.stdout());

      Path againMeta = work.resolve("again.json");
      Command.Result again = relpack.run(args(image, "--metadata", againMeta.toString()))
          .requireSuccess();
      assertEquals(expectedLines(layers, "%s %s already in the registry (reused from cache)",
          "base layer %s %s already in the registry"), layerLines(again.stderr()), again.stderr());
      assertEquals(9, registry.requests().stream().filter(r -> r.method().equals("PUT")
          && r.path().contains("/blobs/uploads/")).count(), "nothing uploaded again");
      JsonNode againLayers = new ObjectMapper().readTree(againMeta.toFile()).path("layers");
      assertEquals(List.of("present"), deliveries(againLayers));
      List<String> summary = again.stdout().lines().toList();
      assertEquals(7, summary.stream().filter(l -> l.matches("  \\S+ .* present +sha256:\\w+"))
          .count(), again.stdout());

      // on a base in the same registry, relpack writes the image itself (no jib) and mounts what
      // the new repository lacks from the base's: each layer's line says so
      Command.Result mounted = relpack.run(args(registry.address() + "/other/demo:1", "--from",
          image, "--no-check")).requireSuccess();
      List<String> mountLines = layerLines(mounted.stderr());
      assertEquals(12, mountLines.size(), mounted.stderr());
      assertEquals(7, mountLines.stream().filter(l -> l.startsWith("base layer ")
          && l.endsWith(" mounted from the base's repository")).count(), mounted.stderr());
      // relpack's layers are the base's top ones: the mounts of those may link them first
      assertTrue(mountLines.stream().filter(l -> !l.startsWith("base layer ")).allMatch(l ->
          l.contains(" mounted from the base's repository (reused from cache)")
              || l.contains(" already in the registry (reused from cache)")), mounted.stderr());
      assertEquals(10, registry.requests().stream().filter(r -> r.method().equals("PUT")
          && r.path().contains("/blobs/uploads/")).count(), "only the new config uploaded");

      Command.Result written = relpack.run(args("oci:" + work.resolve("layout")))
          .requireSuccess();
      assertEquals(expectedLines(layers, "wrote %s %s (reused from cache)",
          "wrote base layer %s %s"), layerLines(written.stderr()), written.stderr());
      assertFalse(written.stdout().contains("uploaded"), written.stdout());
    }
  }

  /** The layer lines of a plain log (indented, unlike steps), sorted: pushes end in any order. */
  private static List<String> layerLines(String stderr) {
    return stderr.lines().filter(l -> l.startsWith("  ")).map(String::strip).sorted().toList();
  }

  /** Each layer of the metadata in one of two forms, for relpack's and for the base's; sorted. */
  private static List<String> expectedLines(JsonNode layers, String own, String base) {
    List<String> lines = new java.util.ArrayList<>();
    for (JsonNode layer : layers) {
      String size = Sizes.human(layer.path("size").asLong());
      lines.add(layer.path("origin").asText().equals("base")
          ? String.format(base, layer.path("digest").asText().substring(0, 19), size)
          : String.format(own, layer.path("name").asText(), size));
    }
    return lines.stream().sorted().toList();
  }

  private static List<String> deliveries(JsonNode layers) {
    return layers.findValuesAsText("delivery").stream().distinct().toList();
  }

  @Test
  void quietPrintsOnlyTheReferenceAndWarningsAndNoneOnlyTheSummary() {
    Relpack relpack = new Relpack(work.resolve("home"));
    Command.Result quiet = relpack.run(args("oci:" + work.resolve("q"), "-q")).requireSuccess();
    assertEquals("", quiet.stderr());
    assertTrue(quiet.stdout().matches("oci:" + work.resolve("q") + "@sha256:[0-9a-f]{64}\\n"), quiet.stdout());

    Command.Result warned = relpack.run(args("oci:" + work.resolve("qw"), "-q", "--no-check"))
        .requireSuccess();
    assertEquals(List.of("warning: the boot check is off: nothing checked that the release will"
        + " run on host"), warned.stderr().lines().toList(), "-q keeps warnings, on stderr");
    assertTrue(warned.stdout().matches("oci:\\S+@sha256:[0-9a-f]{64}\\n"), warned.stdout());

    Command.Result none = relpack.run(args("oci:" + work.resolve("n"), "--progress", "none")).requireSuccess();
    assertEquals("", none.stderr());
    assertTrue(none.stdout().startsWith("Built oci:"), none.stdout());
  }
}
