package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tuned JVM compiles on one C1 thread, unless the user's own JVM options set the compilers:
 * then the JDK itself decides, since a JVM with C2 on and one compiler thread will not start.
 */
class RelaunchFlagsTest {
  private static final String C2_ON = "-XX:TieredStopAtLevel=4";

  @Test
  void theTunedJvmCompilesOnOneC1Thread() {
    assertTrue(Relaunch.FLAGS.containsAll(List.of("-XX:TieredStopAtLevel=1",
        Relaunch.ONE_COMPILER)), Relaunch.FLAGS.toString());
    assertEquals(Relaunch.FLAGS, Relaunch.flags(List.of()));
    assertEquals(Relaunch.FLAGS, Relaunch.flags(List.of("-Xmx1g", "-Dfoo=-XX:CICompilerCount=2")));
  }

  @Test
  void optionsThatSetTheCompilersLeaveOutOnlyTheOneThread() {
    for (String option : List.of(C2_ON, "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=4")) {
      List<String> flags = Relaunch.flags(List.of("-Xmx1g", option));
      List<String> expected = new ArrayList<>(Relaunch.FLAGS);
      expected.remove(Relaunch.ONE_COMPILER);
      assertEquals(expected, flags, option);
      assertFalse(flags.contains(Relaunch.ONE_COMPILER), option);
    }
  }

  @Test
  void aJvmWithC2OnStartsWithTheFlagsItGetsButNotWithOneCompilerThread() {
    assertNotEquals(0, javaVersion(Relaunch.FLAGS), "why the thread is left out");
    assertEquals(0, javaVersion(Relaunch.flags(List.of(C2_ON))));
  }

  /** {@code java FLAGS -XX:TieredStopAtLevel=4 -version}'s exit status, with this test's JDK. */
  private static int javaVersion(List<String> flags) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(flags);
    command.addAll(List.of(C2_ON, "-version"));
    return Command.run(command, Map.of(), Duration.ofSeconds(30)).exitCode();
  }
}
