package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
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
    List<String> args = new java.util.ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--to", to));
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
        result.stderr().lines().map(l -> l.split("[ :]")[0] + " " + l.split("[ :]")[1]).toList());
    List<String> summary = result.stdout().lines().toList();
    assertTrue(summary.get(0).startsWith("Built oci:"), summary.get(0));
    assertTrue(summary.get(summary.size() - 1).matches(
        "  7 layers, [\\d.]+ MB; uploaded 0 B in 0 blobs; [\\d.]+ s"), summary.get(summary.size() - 1));
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
