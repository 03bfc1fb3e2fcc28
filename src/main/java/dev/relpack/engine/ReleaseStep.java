package dev.relpack.engine;

import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Makes the release of a project the way a CI build container does, before the image is built:
 * for a mix project {@code mix deps.get --only ENV}, {@code mix compile} and {@code mix release
 * --overwrite}, with {@code MIX_ENV} set; for a rebar3 project ({@code rebar.config}, no {@code
 * mix.exs}) {@code rebar3 as PROFILE release}. Each line the tool prints goes to the log as it
 * comes. A failure stops the build before anything is read, pushed or written; a build stopped
 * by a signal stops the tool and everything it started.
 *
 * @param run whether to run the tool at all (off: use the release the project has)
 * @param mixEnv {@code MIX_ENV}; empty for the environment's, else {@code prod}
 * @param depsGet whether to fetch dependencies first (off for projects with vendored deps)
 * @param releaseName the release to make, for projects that define several
 * @param rebarProfile the rebar3 profile
 */
public record ReleaseStep(boolean run, Optional<String> mixEnv, boolean depsGet,
    Optional<String> releaseName, String rebarProfile) {
  /** Lines of the tool's output a failure repeats. */
  private static final int LAST_LINES = 15;

  /** Use the release that is there: what {@code check} and {@code inspect} do. */
  public static final ReleaseStep NONE =
      new ReleaseStep(false, Optional.empty(), true, Optional.empty(), "prod");

  /** The {@code MIX_ENV} the release is made and looked for in. */
  public String mixEnv(Map<String, String> environment) {
    return mixEnv.orElseGet(() -> {
      String inherited = environment.get("MIX_ENV");
      return inherited == null || inherited.isBlank() ? "prod" : inherited;
    });
  }

  /** Runs the tool in {@code dir}; returns how long it took. */
  java.time.Duration make(Path dir, Map<String, String> environment, Reporter reporter) {
    long started = System.nanoTime();
    boolean mix = Files.isRegularFile(dir.resolve("mix.exs"));
    if (!mix && !Files.isRegularFile(dir.resolve("rebar.config"))) {
      throw new BadInputException("--project-dir " + dir + " has neither mix.exs nor rebar.config;"
          + " name a mix or rebar3 project, or the release itself with --release");
    }
    String tool = mix ? "mix" : "rebar3";
    String program = onPath(tool, environment).orElseThrow(() -> new BadInputException(tool
        + " is not on PATH: install " + (mix ? "Elixir (apt-get install elixir)" : "rebar3")
        + " to make the release of " + dir + ", or pass --no-release to use the one it has"));
    Map<String, String> env = new HashMap<>(environment);
    if (mix) {
      String mixEnv = mixEnv(environment);
      env.put("MIX_ENV", mixEnv);
      if (depsGet) {
        run(dir, env, reporter, List.of(program, "deps.get", "--only", mixEnv));
      }
      run(dir, env, reporter, List.of(program, "compile"));
      List<String> release = new ArrayList<>(List.of(program, "release", "--overwrite"));
      releaseName.ifPresent(release::add);
      run(dir, env, reporter, release);
    } else {
      run(dir, env, reporter, List.of(program, "as", rebarProfile, "release"));
    }
    return java.time.Duration.ofNanos(System.nanoTime() - started);
  }

  private static void run(Path dir, Map<String, String> env, Reporter reporter,
      List<String> command) {
    String shown = String.join(" ", command.subList(1, command.size()));
    String tool = Path.of(command.get(0)).getFileName().toString();
    reporter.step("Running " + tool + " " + shown + " in " + dir);
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new BadInputException("cannot run " + tool + " in " + dir + ": " + e.getMessage());
    }
    // a build stopped by Ctrl-C or SIGTERM stops the tool and what it started (the BEAM, ports)
    Thread stopper = new Thread(() -> stop(process));
    Runtime.getRuntime().addShutdownHook(stopper);
    Deque<String> last = new ArrayDeque<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        reporter.step("  " + tool + " | " + line);
        last.addLast(line);
        if (last.size() > LAST_LINES) {
          last.removeFirst();
        }
      }
      int status = process.waitFor();
      if (status != 0) {
        last.forEach(line -> reporter.warn(tool + " | " + line));
        throw new BadInputException(tool + " " + shown + " failed in " + dir + " (exit " + status
            + ")" + lastLine(last) + "; nothing was built");
      }
    } catch (IOException e) {
      throw new InternalException("cannot read the output of " + tool + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(process);
      throw new InternalException("interrupted while " + tool + " ran", e);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is running and stops the tool
      }
    }
  }

  private static String lastLine(Deque<String> last) {
    return last.stream().filter(l -> !l.isBlank()).reduce((a, b) -> b)
        .map(l -> ": " + l.strip()).orElse("");
  }

  /** Stops the tool and its children, children first, so none is left running. */
  private static void stop(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static Optional<String> onPath(String tool, Map<String, String> environment) {
    String path = environment.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toString());
      }
    }
    return Optional.empty();
  }
}
