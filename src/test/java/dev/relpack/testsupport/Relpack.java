package dev.relpack.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code java -jar target/relpack.jar}, exactly as a user does. */
public final class Relpack {
  /** The state directory (XDG_STATE_HOME) every run shares: see {@link #environment}. */
  public static final Path STATE = Path.of("target/it-state").toAbsolutePath();
  private final Path home;
  private final Map<String, String> env = new HashMap<>();
  private final List<String> jvmOptions = new ArrayList<>();

  /** @param home the HOME it runs with (so no real ~/.docker or ~/.cache is read or written) */
  public Relpack(Path home) {
    this.home = home;
  }

  public Relpack env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** A JVM option ({@code -Xmx256m}) for the java that runs the jar; the launcher passes it on. */
  public Relpack jvmOption(String option) {
    jvmOptions.add(option);
    return this;
  }

  public Command.Result run(String... args) {
    return run(List.of(args));
  }

  public Command.Result run(List<String> args) {
    return Command.run(command(args), environment(), Duration.ofMinutes(3));
  }

  /** Starts relpack and returns at once; its stdout and stderr come together. */
  public Process start(List<String> args) throws java.io.IOException {
    return Command.start(command(args), environment());
  }

  private List<String> command(List<String> args) {
    Path jar = Path.of(System.getProperty("relpack.jar", "target/relpack.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar + " is missing: run mvn package first");
    }
    List<String> command = new ArrayList<>(List.of(java()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(args);
    return command;
  }

  /**
   * HOME and the cache under the test's directory; null removes an inherited variable. Public for
   * tests that start relpack another way (the dist archive's launcher) in the same surroundings.
   */
  public Map<String, String> environment() {
    Map<String, String> environment = new HashMap<>();
    System.getenv().keySet().stream().filter(Relpack::readByRelpack)
        .forEach(name -> environment.put(name, null));
    environment.put("HOME", home.toString());
    environment.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
    // the JVM archive made in the background after a build outlives the test's temporary HOME,
    // so it is made where deleting that HOME cannot race with it
    environment.put("XDG_STATE_HOME", STATE.toString());
    environment.putAll(env);
    return environment;
  }

  /** Like {@link #run} but fails unless relpack exited 0. */
  public Command.Result succeed(String... args) {
    return run(args).requireSuccess();
  }

  /**
   * Variables of the machine running the tests that relpack, or the JVM it runs in, would act
   * on (a GitLab job's own registry, commit time, credentials, mix environment; JVM options,
   * which the JVM announces on stderr): left out, so a test sees only what it sets itself.
   */
  private static boolean readByRelpack(String name) {
    return name.startsWith("CI_") || name.startsWith("RELPACK_")
        || List.of("GITLAB_CI", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "SOURCE_DATE_EPOCH", "XDG_RUNTIME_DIR", "XDG_STATE_HOME",
            "MIX_ENV", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS").contains(name);
  }

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
