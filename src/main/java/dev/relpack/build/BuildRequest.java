package dev.relpack.build;

import java.nio.file.Path;
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
    Path home) {

  public BuildRequest {
    apps = List.copyOf(apps);
    tags = List.copyOf(tags);
    ports = List.copyOf(ports);
    env = List.copyOf(env);
    labels = List.copyOf(labels);
    registryCas = List.copyOf(registryCas);
    environment = Map.copyOf(environment);
  }

  /** Never the environment: it holds CI_REGISTRY_PASSWORD and CI_JOB_TOKEN. */
  @Override
  public String toString() {
    return "BuildRequest[release=" + release + ", projectDir=" + projectDir + ", from=" + from
        + ", to=" + to + ", tags=" + tags + "]";
  }
}
