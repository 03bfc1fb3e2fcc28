package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.relpack.testsupport.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tuned JVM compiles on one C1 thread, unless the user's own JVM options set the compilers:
 * then the JDK itself decides, since a JVM with C2 on and one compiler thread will not start. Its
 * young generation is capped where the heap is large enough and the user did not size it, and
 * none of its flags makes the JVM print anything.
 */
class RelaunchFlagsTest {
  private static final String C2_ON = "-XX:TieredStopAtLevel=4";
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

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

  @Test
  void theYoungGenerationIsCappedOnlyOnAHeapLargerThanTheCapAndUnsizedByTheUser() {
    assertEquals(List.of(Relaunch.YOUNG_CAP), Relaunch.heapFlags(6L << 30, List.of("-Xmx6g")));
    assertEquals(List.of(Relaunch.YOUNG_CAP), Relaunch.heapFlags(256L << 20, List.of()));
    assertEquals(List.of(), Relaunch.heapFlags((256L << 20) - 1, List.of()));
    assertEquals(List.of(), Relaunch.heapFlags(64L << 20, List.of()));
    for (String option : List.of("-Xmn16m", "-XX:NewSize=32m", "-XX:MaxNewSize=1g",
        "-XX:NewRatio=3")) {
      assertEquals(List.of(), Relaunch.heapFlags(6L << 30, List.of("-Xmx6g", option)), option);
    }
  }

  @Test
  void theTunedJvmSaysNothingAboutItsFlagsOnAKernelWithoutHugePages(@TempDir Path work)
      throws IOException {
    // the build's stdout is its digest: a JVM warning there (no huge pages to be had, a heap
    // too small for the young cap) would break every script reading it
    Path bwrap = Path.of("/usr/bin/bwrap");
    assumeTrue(Files.isExecutable(bwrap) || "true".equals(System.getenv("CI")),
        "bubblewrap (the test command installs it) shows the JVM a kernel without huge pages");
    Path never = Files.writeString(work.resolve("enabled"), "always madvise [never]\n");
    List<String> tuned = new ArrayList<>(Relaunch.FLAGS);
    tuned.addAll(Relaunch.heapFlags(256L << 20, List.of()));
    tuned.addAll(List.of("-Xmx256m", "-version"));
    // C1 only shows in -version ("emulated-client"), nothing else of the flags may
    Command.Result plain = Command.run(List.of(JAVA, "-XX:TieredStopAtLevel=1", "-version"),
        Map.of(), Duration.ofSeconds(30));
    Command.Result run = Command.run(concat(List.of(bwrap.toString(), "--dev-bind", "/", "/",
        "--ro-bind", never.toString(), "/sys/kernel/mm/transparent_hugepage/enabled", JAVA),
        tuned), Map.of(), Duration.ofSeconds(30));
    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("", run.stdout());
    assertEquals(plain.stderr(), run.stderr());
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
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
