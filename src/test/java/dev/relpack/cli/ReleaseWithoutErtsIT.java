package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A release built with include_erts: false boots on --from host, with this machine's Erlang. */
class ReleaseWithoutErtsIT {
  @TempDir Path work;

  @Test
  void bootsWithTheMachinesErts() throws Exception {
    DemoProject project = DemoProject.copyTo(work);
    Path mixExs = project.dir().resolve("mix.exs");
    Files.writeString(mixExs, Files.readString(mixExs)
        .replace("include_executables_for: [:unix],", "include_executables_for: [:unix], include_erts: false,"));
    project.release();
    assertFalse(Files.exists(project.releaseDirectory().resolve("erts-13.1.5")));

    Path layout = work.resolve("layout");
    Command.Result inspect = new Relpack(work.resolve("home")).succeed("inspect", "--project-dir",
        project.dir().toString());
    assertTrue(inspect.stdout().contains("not included"), inspect.stdout());
    new Relpack(work.resolve("home")).succeed("build", "--project-dir", project.dir().toString(),
        "--to", "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("run"))) {
      assertEquals("hello, relpack\n", running.get("/"));
      assertTrue(running.get("/version").startsWith("demo 0.1.0 otp 25"));
    }
  }
}
