package dev.relpack.maven;

import dev.relpack.error.BadInputException;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.RelpackException;
import dev.relpack.io.Printable;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

/**
 * relpack's errors as Maven's: what the user must fix (bad input, a base that cannot boot the
 * release) fails the build ({@link MojoFailureException}); a registry or anything else is an
 * execution error ({@link MojoExecutionException}). The message is the CLI's one line, with
 * the goal's parameters where it names options ({@link MavenWording}); the cause, which may quote a server's answer, is kept only under {@code mvn -X}.
 */
final class MavenErrors {
  private MavenErrors() {}

  /** Throws {@code e} as Maven's exception for it, after logging a failed check's details. */
  static void raise(RuntimeException e, Log log)
      throws MojoExecutionException, MojoFailureException {
    if (!(e instanceof RelpackException relpack)) {
      throw new MojoExecutionException("relpack: internal error: "
          + Printable.line(String.valueOf(e)), e);
    }
    String message = "relpack: " + Printable.line(MavenWording.of(relpack.getMessage()));
    if (relpack instanceof CheckFailedException failed) {
      failed.details().forEach(detail -> log.error("  " + Printable.line(MavenWording.of(detail))));
      if (!failed.details().isEmpty() && failed.machineCouldProvide()) {
        log.error("  or build with <from>host</from> (-Drelpack.from=host), which takes what the"
            + " release needs from this machine");
      }
    }
    Throwable cause = log.isDebugEnabled() ? worded(relpack) : null;
    if (relpack instanceof BadInputException || relpack instanceof CheckFailedException) {
      MojoFailureException failure = new MojoFailureException(message);
      if (cause != null) {
        failure.initCause(cause);
      }
      throw failure;
    }
    throw cause != null ? new MojoExecutionException(message, cause)
        : new MojoExecutionException(message);
  }

  /**
   * For {@code mvn -X}: the exception with its message in the goal's words, and its stack and
   * cause, so Maven's "Caused by" shows no placeholder.
   */
  private static Throwable worded(RelpackException relpack) {
    RuntimeException worded = new RuntimeException(MavenWording.of(relpack.getMessage()),
        relpack.getCause());
    worded.setStackTrace(relpack.getStackTrace());
    return worded;
  }
}
