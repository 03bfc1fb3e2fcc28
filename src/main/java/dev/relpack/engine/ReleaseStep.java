package dev.relpack.engine;

import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import dev.relpack.release.ProjectReleases;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

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
  /** The rebar3 profile when none is named. */
  public static final String DEFAULT_REBAR_PROFILE = "prod";

  /** Lines of the tool's output a failure repeats. */
  private static final int LAST_LINES = 15;
  /** How long a stop waits for the start of a tool to return: starting never takes this long. */
  private static final Duration START_RETURNS_WITHIN = Duration.ofSeconds(10);

  /** @param rebarProfile null for {@value #DEFAULT_REBAR_PROFILE} */
  public ReleaseStep {
    rebarProfile = rebarProfile == null ? DEFAULT_REBAR_PROFILE : rebarProfile;
  }
  /** What the lines that name the release hold (see {@link ProjectReleases#announced}). */
  private static final List<String> CREATED =
      List.of("Release created at ", "Release successfully assembled: ");

  /** Use the release that is there: what {@code check} and {@code inspect} do. */
  public static final ReleaseStep NONE =
      new ReleaseStep(false, Optional.empty(), true, Optional.empty(), null);

  /**
   * Use the release that is there, made in {@code mixEnv} (empty: the environment's, else {@code
   * prod}) and named {@code releaseName} when the project has several.
   */
  public static ReleaseStep existing(Optional<String> mixEnv, Optional<String> releaseName) {
    return new ReleaseStep(false, mixEnv, true, releaseName, null);
  }

  /** The {@code MIX_ENV} the release is made and looked for in. */
  public String mixEnv(Map<String, String> environment) {
    return mixEnv.orElseGet(() -> {
      String inherited = environment.get("MIX_ENV");
      return inherited == null || inherited.isBlank() ? "prod" : inherited;
    });
  }

  /**
   * What the step did.
   *
   * @param took how long the tool ran, all commands together
   * @param release where the tool said it put the release, if it said so
   */
  record Made(Duration took, Optional<Path> release) {}

  /**
   * The release to build from the project in {@code dir}: the one the tool said it made, else
   * the one named {@link #releaseName} (or the only one) where mix puts releases for {@link
   * #mixEnv} and the environment's {@code MIX_BUILD_PATH}, {@code MIX_BUILD_ROOT}, {@code
   * MIX_TARGET}.
   *
   * @param made where the tool said it put the release, when relpack ran it
   */
  Path release(Path dir, Map<String, String> environment, Optional<Path> made) {
    if (made.isPresent()) {
      if (!Files.isDirectory(made.get())) {
        throw new BadInputException((rebar3(dir) ? "rebar3" : "mix")
            + " said it made the release at " + made.get() + ", but there"
            + " is no directory there; give the release with {release} PATH");
      }
      return made.get();
    }
    return (rebar3(dir) ? ProjectReleases.rebar3(dir, rebarProfile, environment)
        : ProjectReleases.mix(dir, mixEnv(environment), environment)).find(releaseName);
  }

  /** Runs the tool in {@code dir}. */
  Made make(Path dir, Map<String, String> environment, Reporter reporter) {
    long started = System.nanoTime();
    boolean mix = Files.isRegularFile(dir.resolve("mix.exs"));
    if (!mix && !Files.isRegularFile(dir.resolve("rebar.config"))) {
      throw new BadInputException("{project-dir} " + dir + " has neither mix.exs nor rebar.config;"
          + " name a mix or rebar3 project, or the release itself with {release}");
    }
    String tool = mix ? "mix" : "rebar3";
    String program = onPath(tool, environment).orElseThrow(() -> new BadInputException(tool
        + " is not on PATH: install " + (mix ? "Elixir (apt-get install elixir)" : "rebar3")
        + " to make the release of " + dir + ", or pass {no-release} to use the one it has"));
    Map<String, String> env = new HashMap<>(environment);
    if (mix) {
      String mixEnv = mixEnv(environment);
      env.put("MIX_ENV", mixEnv);
      if (depsGet) {
        run(dir, env, reporter, List.of(program, "deps.get", "--only", mixEnv), line -> {});
      }
      run(dir, env, reporter, List.of(program, "compile"), line -> {});
      List<String> release = new ArrayList<>(List.of(program, "release", "--overwrite"));
      releaseName.ifPresent(release::add);
      // mix names the release it made, wherever the project's config put it
      return new Made(since(started), runNamingRelease(dir, env, reporter, release));
    }
    return new Made(since(started), runNamingRelease(dir, env, reporter,
        List.of(program, "as", rebarProfile, "release")));
  }

  /** A rebar3 project: a {@code rebar.config} and no {@code mix.exs}. */
  static boolean rebar3(Path dir) {
    return !Files.isRegularFile(dir.resolve("mix.exs"))
        && Files.isRegularFile(dir.resolve("rebar.config"));
  }

  /** Runs the command that makes the release; where it said it put it. */
  private static Optional<Path> runNamingRelease(Path dir, Map<String, String> env,
      Reporter reporter, List<String> command) {
    List<String> named = new ArrayList<>();
    run(dir, env, reporter, command, line -> {
      if (CREATED.stream().anyMatch(line::contains)) {
        named.add(line);
      }
    });
    return ProjectReleases.announced(named, dir);
  }

  private static Duration since(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }

  private static void run(Path dir, Map<String, String> env, Reporter reporter,
      List<String> command, Consumer<String> lines) {
    String shown = String.join(" ", command.subList(1, command.size()));
    String tool = Path.of(command.get(0)).getFileName().toString();
    reporter.step("Running " + tool + " " + shown + " in " + dir);
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    // A build stopped by Ctrl-C or SIGTERM stops the tool and what it started (the BEAM, ports).
    // The hook is in place before the tool starts: a stop that came between the two would leave
    // the tool running. Whichever of the hook and this thread sees the other's mark stops it.
    // A stop that comes while start() has not returned (the tool may be running already) waits
    // for it: once every hook has returned the JVM halts, and this thread would never see the
    // mark and stop the tool.
    AtomicReference<Process> started = new AtomicReference<>();
    AtomicBoolean stopping = new AtomicBoolean();
    CountDownLatch startReturned = new CountDownLatch(1);
    Thread stopper = new Thread(() -> {
      stopping.set(true);
      try {
        startReturned.await(START_RETURNS_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Optional.ofNullable(started.get()).ifPresent(ReleaseStep::stop);
    });
    try {
      Runtime.getRuntime().addShutdownHook(stopper);
    } catch (IllegalStateException e) {
      throw new InternalException("stopped before " + tool + " ran", e);
    }
    Process process;
    try {
      process = builder.start();
      started.set(process);
    } catch (IOException e) {
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs and finds nothing started
      }
      throw new BadInputException("cannot run " + tool + " in " + dir + ": " + e.getMessage());
    } finally {
      startReturned.countDown();
    }
    if (stopping.get()) {
      stop(process);
    }
    Deque<String> last = new ArrayDeque<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        reporter.step("  " + tool + " | " + line);
        lines.accept(line);
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
      stop(process);
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
