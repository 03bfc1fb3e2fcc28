package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dist archive's bin/relpack starts the JVM the jar's {@link Relaunch} would have started, so
 * the two must not drift apart: same flags (less the one compiler thread where the user's
 * options set the compilers, as {@link Relaunch#flags} leaves it out), the user's options after
 * them, the marker that stops a second relaunch, and the class the relaunched JVM runs. The
 * script is run as a user runs it, with a {@code JAVA_HOME} whose {@code java} prints the
 * arguments it was given.
 */
class LauncherScriptTest {
  private static final Path SCRIPT = Path.of("src/dist/bin/relpack");

  @TempDir
  Path work;

  @Test
  void theLauncherExecsJavaWithRelaunchsFlagsItsMarkerAndMain() throws IOException {
    List<String> arguments = javaArguments(null, "build", "--help");
    assertEquals(expected(List.of(), "build", "--help"), arguments);
  }

  @Test
  void theUsersJavaOptsComeAfterRelaunchsFlagsSoTheyWin() throws IOException {
    List<String> arguments = javaArguments("-Xmx512m  -Dx=1", "check");
    assertEquals(expected(List.of("-Xmx512m", "-Dx=1"), "check"), arguments);
  }

  @Test
  void javaOptsThatSetTheCompilersLeaveOutTheOneCompilerThread() throws IOException {
    for (String opts : List.of("-XX:TieredStopAtLevel=4", "-Xmx1g\t-XX:CICompilerCount=3")) {
      List<String> options = Arrays.asList(opts.split("\\s+"));
      List<String> arguments = javaArguments(opts, "build");
      assertEquals(expected(options, "build"), arguments);
      assertTrue(!arguments.contains(Relaunch.ONE_COMPILER), opts + ": " + arguments);
    }
  }

  @Test
  void theLauncherIsAPosixShellScriptItsOwnerMayRun() throws IOException {
    assertTrue(Files.readString(SCRIPT).startsWith("#!/bin/sh\n"));
    assertTrue(Files.isExecutable(SCRIPT), "committed with its executable bit");
  }

  /** What Relaunch would run: its flags for these options, the options, marker, jar and Main. */
  private List<String> expected(List<String> userOptions, String... args) throws IOException {
    List<String> expected = new ArrayList<>(Relaunch.flags(userOptions));
    expected.addAll(userOptions);
    expected.addAll(List.of("-D" + Relaunch.CHILD + "=1", "-cp",
        work.resolve("relpack/lib/relpack.jar").toRealPath().toString(), Main.class.getName()));
    expected.addAll(List.of(args));
    return expected;
  }

  /** The arguments bin/relpack, laid out as in the dist archive, gives {@code java}. */
  private List<String> javaArguments(String javaOpts, String... args) throws IOException {
    Path home = work.resolve("relpack");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("lib"));
    Path script = home.resolve("bin/relpack");
    Files.copy(SCRIPT, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(home.resolve("lib/relpack.jar"), "");
    Path java = work.resolve("jdk/bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_HOME", work.resolve("jdk").toString());
    env.put("JAVA_OPTS", javaOpts);
    List<String> command = new ArrayList<>(List.of("sh", script.toString()));
    command.addAll(List.of(args));
    Command.Result run = Command.run(command, env, Duration.ofSeconds(30)).requireSuccess();
    return run.stdout().lines().toList();
  }
}
