package dev.relpack.release;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the releases of a project are. mix puts them by the rules of {@code
 * Mix.Project.build_path}: {@code
 * $MIX_BUILD_PATH/rel/NAME} when that is set, else {@code ROOT/[TARGET_]ENV/rel/NAME} with ROOT
 * {@code $MIX_BUILD_ROOT} or {@code _build} and TARGET {@code $MIX_TARGET} unless it is {@code
 * host}; relative paths are taken from the project, where mix runs. A release configured with its
 * own {@code :path} (or a {@code :build_path} in mix.exs) is found from what {@code mix release}
 * printed when relpack ran it ({@link #announced}); finding it otherwise would mean evaluating
 * mix.exs, which runs the project's code and needs it compiled, so it is named with {@code
 * --release} instead. rebar3 puts them in {@code $REBAR_BASE_DIR/PROFILE/rel/NAME}, {@code
 * _build} by default.
 *
 * @param rel the directory that holds one directory per release
 * @param command the command that makes them, for messages, e.g. {@code MIX_ENV=prod mix release}
 */
public record ProjectReleases(Path rel, String command) {
  /**
   * The line after a release is assembled: mix's (Mix.Tasks.Release, Elixir 1.9 and later) or
   * rebar3's (relx).
   */
  private static final Pattern CREATED = Pattern.compile(
      "^(?:Release created at |===> Release successfully assembled: )(.+?)\\s*$");
  /** Colour codes, in case mix's shell was told to use them. */
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  /**
   * Where mix puts releases.
   *
   * @param projectDir where mix runs
   * @param mixEnv the {@code MIX_ENV} mix ran (or would run) with
   * @param environment the environment mix ran with: {@code MIX_BUILD_PATH}, {@code
   *     MIX_BUILD_ROOT}, {@code MIX_TARGET}
   */
  public static ProjectReleases mix(Path projectDir, String mixEnv,
      Map<String, String> environment) {
    String command = "MIX_ENV=" + mixEnv + " mix release";
    Optional<String> buildPath = set(environment, "MIX_BUILD_PATH");
    if (buildPath.isPresent()) {
      return new ProjectReleases(projectDir.resolve(buildPath.get()).resolve("rel"), command);
    }
    Path root = projectDir.resolve(set(environment, "MIX_BUILD_ROOT").orElse("_build"));
    String target = set(environment, "MIX_TARGET").filter(t -> !t.equals("host"))
        .map(t -> t + "_").orElse("");
    return new ProjectReleases(root.resolve(target + mixEnv).resolve("rel"), command);
  }

  /**
   * Where rebar3 puts releases.
   *
   * @param projectDir where rebar3 runs
   * @param profile the profile it ran with
   * @param environment the environment it ran with: {@code REBAR_BASE_DIR}
   */
  public static ProjectReleases rebar3(Path projectDir, String profile,
      Map<String, String> environment) {
    Path base = projectDir.resolve(set(environment, "REBAR_BASE_DIR").orElse("_build"));
    return new ProjectReleases(base.resolve(profile).resolve("rel"),
        "rebar3 as " + profile + " release");
  }

  /**
   * The release mix or rebar3 said it made, from its output: the last {@code Release created at
   * PATH} (or rebar3's {@code ===> Release successfully assembled: PATH}) line, PATH taken from
   * {@code projectDir} when relative (both print it relative to where they ran).
   */
  public static Optional<Path> announced(List<String> lines, Path projectDir) {
    Optional<Path> found = Optional.empty();
    for (String line : lines) {
      Matcher created = CREATED.matcher(ANSI.matcher(line).replaceAll(""));
      if (created.matches()) {
        found = Optional.of(projectDir.resolve(created.group(1)));
      }
    }
    return found;
  }

  /**
   * The release to build: {@code rel/NAME} when a name is given, else the only release there.
   *
   * @throws BadInputException when there is none, the named one is missing, or there are several
   *     and no name says which
   */
  public Path find(Optional<String> name) {
    List<String> releases = names();
    if (name.isPresent()) {
      if (!releases.contains(name.get())) {
        throw new BadInputException("{release-name} " + name.get() + ": no release " + name.get()
            + " under " + rel + (releases.isEmpty() ? "" : " (it has " + releases + ")")
            + "; run `" + command + " " + name.get() + "` first, or give"
            + " {release} PATH");
      }
      return rel.resolve(name.get());
    }
    if (releases.isEmpty()) {
      throw new BadInputException("no release under " + rel + "; run `" + command
          + "` first, or give {release} PATH (also for a release configured with its own :path)");
    }
    if (releases.size() > 1) {
      throw new BadInputException(rel + " holds several releases " + releases
          + "; pass {release-name} NAME to choose one");
    }
    return rel.resolve(releases.get(0));
  }

  /** The names of the releases under {@link #rel}, sorted. */
  private List<String> names() {
    if (!Files.isDirectory(rel)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(rel)) {
      return children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
          .toList();
    } catch (IOException e) {
      throw new BadInputException("cannot list " + rel + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> set(Map<String, String> environment, String name) {
    return Optional.ofNullable(environment.get(name)).filter(v -> !v.isBlank());
  }
}
