package dev.relpack.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GitLab pipeline run by {@code gitlab-ci-local} (npm; installed by {@code .ci/install}) in a
 * git repository of the test's own: every job in the local shell (the job's {@code image:} is
 * not pulled), each in its own copy of the project, with artifacts and dotenv reports passed
 * between jobs as GitLab passes them.
 *
 * <p>What a real job would fetch from the internet is served locally without editing the
 * pipeline: {@code mix local.hex}/{@code local.rebar} and the package managers ({@code apt-get},
 * {@code apk}) are made harmless by commands put first on PATH, and {@code mvn} is given the
 * settings in the jobs' HOME, which point it at local repositories.
 */
public final class GitlabCiLocal {
  /** The version .ci/install puts on PATH; newer ones need Node 22. */
  public static final String VERSION = "4.60.0";

  private final Path project;
  private final Path home;
  private final Path shims;
  private final Map<String, String> variables = new LinkedHashMap<>();
  private final List<String> unset = new ArrayList<>();

  private GitlabCiLocal(Path project, Path home, Path shims) {
    this.project = project;
    this.home = home;
    this.shims = shims;
  }

  /**
   * A git repository at {@code project} (which already holds the project's files) on branch
   * {@code main}, with {@code pipeline} as its {@code .gitlab-ci.yml}, committed.
   *
   * @param home the jobs' HOME (where Maven finds {@code .m2/settings.xml})
   */
  public static GitlabCiLocal repository(Path project, Path pipeline, Path home) throws IOException {
    Files.copy(pipeline, project.resolve(".gitlab-ci.yml"));
    Files.writeString(project.resolve(".gitignore"), ".gitlab-ci-local/\n_build/\ndeps/\n");
    git(project, "init", "-q", "-b", "main", ".");
    git(project, "add", "-A");
    git(project, "-c", "user.email=ci@relpack.test", "-c", "user.name=relpack tests",
        "commit", "-q", "-m", "the project");
    Path shims = Files.createDirectories(home.resolve("shims"));
    shim(shims, "mix", """
        case "$1" in local.hex|local.rebar) echo "(offline test: mix $1 skipped)"; exit 0;; esac
        exec %s "$@"
        """.formatted(onPath("mix")));
    // Java takes user.home from the password database, not HOME: name the jobs' settings
    shim(shims, "mvn", "exec %s -s \"$HOME/.m2/settings.xml\" \"$@\"\n".formatted(onPath("mvn")));
    shim(shims, "apt-get", "echo \"(offline test: apt-get $* skipped)\"\n");
    shim(shims, "apk", "echo \"(offline test: apk $* skipped)\"\n");
    return new GitlabCiLocal(project, home, shims);
  }

  /** A CI/CD variable, as a project's settings define it (it overrides the file's). */
  public GitlabCiLocal variable(String name, String value) {
    variables.put(name, value);
    return this;
  }

  public GitlabCiLocal variables(Map<String, String> values) {
    variables.putAll(values);
    return this;
  }

  /**
   * Makes this a tag pipeline for {@code tag}, as GitLab runs one: {@code CI_COMMIT_TAG} set,
   * ref name and slug the tag's, no {@code CI_COMMIT_BRANCH}.
   */
  public GitlabCiLocal tagPipeline(String tag) {
    git(project, "tag", tag);
    variable("CI_COMMIT_TAG", tag);
    variable("CI_COMMIT_REF_NAME", tag);
    variable("CI_COMMIT_REF_SLUG", tag.toLowerCase().replaceAll("[^a-z0-9]+", "-")
        .replaceAll("^-|-$", ""));
    unset.add("CI_COMMIT_BRANCH");
    return this;
  }

  /** Runs the whole pipeline. */
  public Command.Result run() {
    List<String> command = new ArrayList<>(List.of("gitlab-ci-local", "--force-shell-executor",
        "--shell-isolation", "--no-artifacts-to-source", "--no-color", "--home",
        home.resolve(".gitlab-ci-local").toString()));
    variables.forEach((name, value) -> command.addAll(List.of("--variable", name + "=" + value)));
    unset.forEach(name -> command.addAll(List.of("--unset-variable", name)));
    Map<String, String> env = new LinkedHashMap<>();
    // the outer CI's own variables must not leak into the jobs
    System.getenv().keySet().stream().filter(name -> name.startsWith("CI_")
            || name.startsWith("GITLAB_") || name.startsWith("MAVEN_") || name.startsWith("MIX_")
            || name.equals("DOCKER_CONFIG") || name.equals("XDG_CACHE_HOME"))
        .forEach(name -> env.put(name, null));
    env.put("HOME", home.toString());
    env.put("PATH", shims + ":" + System.getenv("PATH"));
    return Command.run(command, env, Duration.ofMinutes(8), project);
  }

  /** What job {@code name} printed (gitlab-ci-local keeps one log per job). */
  public String jobLog(String name) throws IOException {
    return Files.readString(project.resolve(".gitlab-ci-local/output/" + name + ".log"));
  }

  /** A file a job left in its own copy of the project. */
  public Path jobFile(String job, String relative) {
    return project.resolve(".gitlab-ci-local/builds/" + job + "/" + relative);
  }

  public Path project() {
    return project;
  }

  private static void shim(Path dir, String name, String body) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String onPath(String program) {
    return Command.run(List.of("sh", "-c", "command -v " + program), Map.of(),
        Duration.ofSeconds(10)).requireSuccess().stdout().trim();
  }

  private static void git(Path dir, String... args) {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Command.run(command, Map.of(), Duration.ofMinutes(1), dir).requireSuccess();
  }
}
