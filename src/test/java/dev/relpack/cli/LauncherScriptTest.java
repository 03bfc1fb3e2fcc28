package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dist archive's bin/relpack starts the JVM the jar's {@link Relaunch} would have started, so
 * the two must not drift apart: same flags, the marker that stops a second relaunch, and the
 * class the relaunched JVM runs.
 */
class LauncherScriptTest {
  private static final Path SCRIPT = Path.of("src/dist/bin/relpack");

  @Test
  void theLauncherExecsJavaWithRelaunchsFlagsItsMarkerAndMain() throws IOException {
    List<String> exec = execLine();
    assertEquals("exec", exec.get(0));
    assertEquals("\"$java\"", exec.get(1));
    int options = exec.indexOf("$JAVA_OPTS");
    assertTrue(options > 0, "JAVA_OPTS is passed: " + exec);
    assertEquals(Relaunch.FLAGS, exec.subList(2, options),
        "the launcher's JVM flags, in order, before the user's JAVA_OPTS");
    assertEquals(List.of("-D" + Relaunch.CHILD + "=1", "-cp", "\"$jar\"", Main.class.getName(),
        "\"$@\""), exec.subList(options + 1, exec.size()));
  }

  @Test
  void theLauncherIsAPosixShellScriptItsOwnerMayRun() throws IOException {
    assertTrue(Files.readString(SCRIPT).startsWith("#!/bin/sh\n"));
    assertTrue(Files.isExecutable(SCRIPT), "committed with its executable bit");
  }

  /** The one {@code exec} command, its continuation lines joined, split on blanks. */
  private static List<String> execLine() throws IOException {
    String script = Files.readString(SCRIPT).replace("\\\n", " ");
    List<String> execs = script.lines().map(String::strip).filter(l -> l.startsWith("exec "))
        .toList();
    assertEquals(1, execs.size(), "one exec in " + SCRIPT);
    return Arrays.asList(execs.get(0).split("\\s+"));
  }
}
