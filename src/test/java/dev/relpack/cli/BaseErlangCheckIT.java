package dev.relpack.cli;

import static dev.relpack.testsupport.CheckReport.neededBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.testsupport.CheckReport;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.TestBase.Kind;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.TestBases.Name;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release built with {@code include_erts: false} runs on the base's Erlang: the check wants the
 * base's ERTS and every OTP application of the .rel at the version the .rel names. The bases hold
 * this machine's Erlang (/usr/lib/erlang, erl on PATH), once as it is and once with stdlib's
 * directory at another version.
 */
class BaseErlangCheckIT {
  @TempDir static Path work;
  static RegistryServer registry;
  static TestBases bases;
  static String release;
  static String relFile;

  @BeforeAll
  static void buildTheReleaseWithoutErts() throws IOException {
    registry = RegistryServer.start(work.resolve("registry"));
    DemoProject project = DemoProject.copyTo(work);
    Path mixExs = project.dir().resolve("mix.exs");
    Files.writeString(mixExs, Files.readString(mixExs).replace("include_executables_for: [:unix],",
        "include_executables_for: [:unix], include_erts: false,"));
    project.release();
    Path dir = project.releaseDirectory();
    assertFalse(Files.exists(dir.resolve("erts-13.1.5")), "mix left ERTS out");
    assertFalse(Files.exists(dir.resolve("lib/" + TestBases.applicationDirectory("stdlib"))),
        "and the OTP applications");
    release = dir.toString();
    relFile = "releases/0.1.0/demo.rel";
    // the libraries of this machine's Erlang, which the base carries for the release
    bases = new TestBases(work.resolve("bases"), Path.of("/usr/lib/erlang"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  static Relpack relpack() {
    return new Relpack(work.resolve("home"));
  }

  @Test
  void aBaseWithTheSameErlangFitsAndTheImageBootsOnIt() throws IOException {
    String base = bases.get(Name.ERLANG).as(Kind.REGISTRY, registry);
    CheckReport report = CheckReport.run(relpack(), release, base);
    assertEquals(0, report.exitCode(), report.toString());
    assertEquals(List.of(), report.problems(), report.toString());

    Path layout = work.resolve("built");
    relpack().succeed("build", "--release", release, "--from", base, "--to", "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("run"))) {
      assertEquals("hello, relpack\n", running.get("/"));
      assertTrue(running.get("/version").startsWith("demo 0.1.0 otp 25"));
    }
  }

  @Test
  void aBaseWhoseStdlibIsAnotherVersionIsRefusedNamingStdlibAndBothVersions() throws IOException {
    String wanted = TestBases.applicationDirectory("stdlib");
    String offered = "stdlib-" + TestBases.otherVersion("stdlib");
    CheckReport report = CheckReport.run(relpack(), release,
        bases.get(Name.ERLANG_OTHER_STDLIB).as(Kind.OCI, registry));
    assertEquals(3, report.exitCode(), report.toString());
    JsonNode problem = report.onlyProblem();
    assertEquals("application", problem.path("kind").asText(), report.toString());
    assertEquals(wanted, problem.path("missing").asText(), report.toString());
    assertTrue(neededBy(problem).contains(relFile), report.toString());
    String message = problem.path("message").asText();
    assertTrue(message.startsWith(wanted + ": needed by ") && message.contains(offered),
        "names stdlib, the version the release wants and the one the base has: " + message);
  }

  @Test
  void aBaseWithoutErlangIsRefusedForItsMissingErts() throws IOException {
    CheckReport report = CheckReport.run(relpack(), release, bases.get(Name.COMPLETE).as(Kind.TAR, registry));
    assertEquals(3, report.exitCode(), report.toString());
    assertTrue(report.problems().stream().anyMatch(p -> p.path("kind").asText().equals("erts")),
        report.toString());
  }
}
