package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Waiting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code build --project-dir}: relpack makes the release with the machine's mix, then the image. */
class ProjectReleaseIT {
  @TempDir static Path work;
  static RegistryServer registry;

  @BeforeAll
  static void start() {
    registry = RegistryServer.start(work.resolve("registry"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void theReleaseIsMadeFromTheProjectsCodeAndTheImageServesIt() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("fresh"));
    project.changeOneModule("fresh-from-mix");
    Path mixExs = project.dir().resolve("mix.exs");
    Files.writeString(mixExs, Files.readString(mixExs).replace("app: :demo,",
        "app: :demo,\n      package: [licenses: [\"Apache-2.0\"]],"));
    assertFalse(Files.exists(project.dir().resolve("_build")), "no release made beforehand");
    String to = registry.address() + "/project/demo:1";
    Command.Result built = new Relpack(work.resolve("home")).succeed("build", "--project-dir",
        project.dir().toString(), "--to", to, "--progress", "plain");
    assertTrue(built.stderr().contains("Running mix deps.get --only prod in "), built.stderr());
    assertTrue(built.stderr().contains("Running mix release --overwrite in "), built.stderr());
    assertTrue(built.stderr().contains("  mix | "), "mix's own lines, prefixed: " + built.stderr());
    assertTrue(built.stderr().lines().anyMatch(l -> l.matches("Made the release in \\d+\\.\\d s")),
        built.stderr());

    // the project's Hex metadata names its license: the image says it too
    assertEquals("Apache-2.0", Skopeo.config("docker://" + to).path("config").path("Labels")
        .path("org.opencontainers.image.licenses").asText());

    Path layout = work.resolve("fresh-layout");
    Skopeo.copy("docker://" + to, "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("fresh-run"))) {
      assertTrue(running.get("/version").contains("fresh-from-mix"), "the image runs fresh code");
    }
  }

  @Test
  void aCompileErrorStopsTheBuildWithMixsLastLinesAndNothingIsPushed() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("broken"));
    Files.writeString(project.dir().resolve("lib/demo/broken.ex"),
        "defmodule Demo.Broken do\n  def oops(, do: :nope\nend\n");
    Command.Result result = new Relpack(work.resolve("home")).run("build", "--project-dir",
        project.dir().toString(), "--to", registry.address() + "/project/broken:1",
        "--progress", "none");
    assertEquals(2, result.exitCode(), result.stderr());
    List<String> lines = result.stderr().lines().toList();
    String error = lines.get(lines.size() - 1);
    assertTrue(error.startsWith("relpack: error: mix compile failed in " + project.dir()
        + " (exit 1): "), error);
    assertTrue(error.endsWith("; nothing was built"), error);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("warning: mix | ")
        && l.contains("broken.ex")), "mix's last lines name the file: " + result.stderr());
    assertEquals(List.of(), registry.tags("project/broken"));
  }

  @Test
  void withoutMixOnPathTheBuildSaysWhatToInstall() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("no-mix"));
    Command.Result result = new Relpack(work.resolve("home")).env("PATH", "/nonexistent")
        .run("build", "--project-dir", project.dir().toString(), "--to",
            "oci:" + work.resolve("no-mix-layout"), "--progress", "none");
    assertEquals(2, result.exitCode(), result.stderr());
    assertEquals("relpack: error: mix is not on PATH: install Elixir (apt-get install elixir) to"
        + " make the release of " + project.dir() + ", or pass --no-release to use the one it has",
        result.stderr().strip());
    assertFalse(Files.exists(work.resolve("no-mix-layout")));
  }

  /**
   * Whether {@code pid} still runs. A killed process whose parent died too is a zombie until
   * init reaps it, which some inits (this machine's among them) do late: it runs no more, but
   * {@link ProcessHandle#isAlive} still says alive.
   */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false; // gone
    }
  }

  @Test
  void sigtermStopsMixAndWhatItStarted() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("slow"));
    Path bin = Files.createDirectories(work.resolve("slow-bin"));
    Path pids = work.resolve("slow-pids");
    // a mix that starts a child and waits: both must be gone once relpack is stopped
    Path mix = bin.resolve("mix");
    Files.writeString(mix, "#!/bin/sh\nsleep 600 &\necho $$ $! > " + pids + ".tmp\nmv " + pids
        + ".tmp " + pids + "\nwait\n");
    Files.setPosixFilePermissions(mix, PosixFilePermissions.fromString("rwxr-xr-x"));
    Process relpack = new Relpack(work.resolve("home")).env("PATH", bin + ":/usr/bin:/bin")
        .start(List.of("build", "--project-dir", project.dir().toString(), "--to",
            "oci:" + work.resolve("slow-layout"), "--progress", "none"));
    try {
      Waiting.until("the fake mix to start", Duration.ofMinutes(1), () -> Files.exists(pids));
      List<Long> started = List.of(Files.readString(pids).strip().split(" ")).stream()
          .map(Long::parseLong).toList();
      relpack.destroy(); // SIGTERM
      assertTrue(relpack.waitFor(1, TimeUnit.MINUTES), "relpack stops");
      for (long pid : started) {
        Waiting.until("process " + pid + " to be gone", Duration.ofSeconds(30),
            () -> !running(pid));
      }
      assertFalse(Files.exists(work.resolve("slow-layout")), "nothing written");
    } finally {
      relpack.destroyForcibly();
    }
  }
}
