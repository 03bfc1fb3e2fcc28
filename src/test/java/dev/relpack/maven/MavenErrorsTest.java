package dev.relpack.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.Input;
import dev.relpack.error.RegistryException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;

class MavenErrorsTest {
  private final SystemStreamLog log = new SystemStreamLog();

  @Test
  void badInputFailsTheBuildInTheGoalsWordsWithoutItsCause() {
    BadInputException bad = new BadInputException(Input.FROM + " nope: not a base",
        new IllegalStateException("server said: token abc"));
    MojoFailureException failure = assertThrows(MojoFailureException.class,
        () -> MavenErrors.raise(bad, log));
    assertEquals("relpack: <from> nope: not a base", failure.getMessage());
    assertNull(failure.getCause(), "the cause only under -X");
  }

  @Test
  void aRegistryFailureIsAnExecutionError() {
    MojoExecutionException error = assertThrows(MojoExecutionException.class,
        () -> MavenErrors.raise(new RegistryException("registry r:5000 did not answer",
            new java.io.IOException("reset")), log));
    assertEquals("relpack: registry r:5000 did not answer", error.getMessage());
  }

  @Test
  void aFailedCheckFailsTheBuildAndLogsWhatIsMissing() {
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      MojoFailureException failure = assertThrows(MojoFailureException.class,
          () -> MavenErrors.raise(new CheckFailedException("the release will not run on scratch"
              + " (1 problem)", List.of("libc.so.6 is missing"), true), new SystemStreamLog()));
      assertEquals("relpack: the release will not run on scratch (1 problem)",
          failure.getMessage());
    } finally {
      System.setErr(stderr);
    }
    String logged = out.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("[error]   libc.so.6 is missing"), logged);
    assertTrue(logged.contains("<from>host</from>"), logged);
  }

  @Test
  void anythingElseIsAnInternalError() {
    MojoExecutionException error = assertThrows(MojoExecutionException.class,
        () -> MavenErrors.raise(new IllegalStateException("boom"), log));
    assertTrue(error.getMessage().startsWith("relpack: internal error: "), error.getMessage());
  }
}
