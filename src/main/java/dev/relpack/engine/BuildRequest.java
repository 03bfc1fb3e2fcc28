package dev.relpack.engine;

import dev.relpack.error.BadInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One build, as asked for on the command line (or by the Maven goal).
 *
 * @param release a release directory or tarball; empty to take the one a project built
 * @param projectDir the mix project, for finding the release and knowing its own apps
 * @param apps applications to treat as the project's own ({@code --app})
 * @param environment the process environment: CI variables, credentials locations, MIX_ENV
 * @param timeout the longest each phase of the build that talks to registries may take
 */
public record BuildRequest(
    Optional<Path> release,
    Optional<Path> projectDir,
    List<String> apps,
    String from,
    String to,
    List<String> tags,
    List<String> ports,
    List<String> env,
    List<String> labels,
    String user,
    String appRoot,
    boolean insecure,
    List<Path> registryCas,
    Optional<Path> digestFile,
    Optional<Path> metadataFile,
    Path cacheDir,
    boolean check,
    Map<String, String> environment,
    Path home,
    Duration timeout) {

  /**
   * How long each registry phase of a build (probing, reading the base, building and pushing)
   * may take: long enough to push a few hundred MB over a slow CI link, short enough that a
   * stalled registry does not hold a CI job for jib's quarter of an hour of retries.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

  /** A day: no registry phase needs more. */
  public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

  public BuildRequest {
    apps = List.copyOf(apps);
    tags = List.copyOf(tags);
    ports = List.copyOf(ports);
    env = List.copyOf(env);
    labels = List.copyOf(labels);
    registryCas = List.copyOf(registryCas);
    environment = Map.copyOf(environment);
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new BadInputException("--timeout " + timeout.toSeconds() + ": give a number of"
          + " seconds from 1 to " + MAX_TIMEOUT.toSeconds());
    }
  }

  /** Never the environment: it holds CI_REGISTRY_PASSWORD and CI_JOB_TOKEN. */
  @Override
  public String toString() {
    return "BuildRequest[release=" + release + ", projectDir=" + projectDir + ", from=" + from
        + ", to=" + to + ", tags=" + tags + "]";
  }
}
