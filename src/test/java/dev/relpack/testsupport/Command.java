package dev.relpack.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion, with a time limit, and keeps what it printed. */
public final class Command {
  private Command() {}

  /** What a finished program left: its exit status and output. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** Fails with everything printed when the program did not exit 0. */
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new AssertionError("`" + String.join(" ", command) + "` exited " + exitCode
            + "\nstdout: " + stdout + "\nstderr: " + stderr);
      }
      return this;
    }
  }

  /** Starts {@code command} and returns at once; its stdout and stderr come together. */
  public static Process start(List<String> command, Map<String, String> env) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    applyEnvironment(builder, env);
    return builder.start();
  }

  /** Adds or replaces the inherited variables; a null value removes one. */
  private static void applyEnvironment(ProcessBuilder builder, Map<String, String> env) {
    env.forEach((name, value) -> {
      if (value == null) {
        builder.environment().remove(name);
      } else {
        builder.environment().put(name, value);
      }
    });
  }

  public static Result run(List<String> command, Map<String, String> env, Duration timeout) {
    return run(command, env, timeout, null);
  }

  /**
   * @param env variables added to (or replacing) the inherited environment; a null value removes
   *     the inherited variable
   */
  public static Result run(List<String> command, Map<String, String> env, Duration timeout,
      Path directory) {
    try {
      Path out = Files.createTempFile("cmd", ".out");
      Path err = Files.createTempFile("cmd", ".err");
      try {
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        applyEnvironment(builder, env);
        if (directory != null) {
          builder.directory(directory.toFile());
        }
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("`" + String.join(" ", command) + "` did not finish in "
              + timeout + "\nstderr so far: " + Files.readString(err));
        }
        return new Result(command, process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
