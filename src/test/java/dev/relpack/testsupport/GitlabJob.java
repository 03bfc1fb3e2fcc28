package dev.relpack.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables GitLab sets in a job of a project whose registry is {@link GitlabRegistry}:
 * {@code GITLAB_CI}, {@code CI_REGISTRY}, {@code CI_REGISTRY_IMAGE}, {@code CI_REGISTRY_USER}
 * ({@code gitlab-ci-token}), {@code CI_REGISTRY_PASSWORD} and {@code CI_JOB_TOKEN} (the same job
 * token), {@code CI_SERVER_TLS_CA_FILE}, {@code CI_PROJECT_PATH}. Changed copies model what a
 * test breaks ({@link #with}, {@link #without}).
 */
public final class GitlabJob {
  private final Map<String, String> env;

  private GitlabJob(Map<String, String> env) {
    this.env = env;
  }

  /** A job of the project {@code registry} serves, with its real job token. */
  public static GitlabJob of(GitlabRegistry registry) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CI", "true");
    env.put("GITLAB_CI", "true");
    env.put("CI_SERVER_TLS_CA_FILE", registry.caFile().toString());
    env.put("CI_REGISTRY", registry.address());
    env.put("CI_REGISTRY_IMAGE", registry.projectImage());
    env.put("CI_PROJECT_PATH", registry.tokens().settings().project());
    env.put("CI_REGISTRY_USER", GitlabTokenService.JOB_USER);
    env.put("CI_REGISTRY_PASSWORD", registry.jobToken());
    env.put("CI_JOB_TOKEN", registry.jobToken());
    return new GitlabJob(env);
  }

  /** A copy with {@code name} set to {@code value}. */
  public GitlabJob with(String name, String value) {
    Map<String, String> changed = new LinkedHashMap<>(env);
    changed.put(name, value);
    return new GitlabJob(changed);
  }

  /** A copy without {@code name}. */
  public GitlabJob without(String name) {
    Map<String, String> changed = new LinkedHashMap<>(env);
    changed.remove(name);
    return new GitlabJob(changed);
  }

  /** The variables, in the order above. */
  public Map<String, String> env() {
    return Map.copyOf(env);
  }

  /** {@code relpack} with these variables set. */
  public Relpack apply(Relpack relpack) {
    env.forEach(relpack::env);
    return relpack;
  }

  /** Never the token. */
  @Override
  public String toString() {
    return "GitlabJob" + env.keySet();
  }
}
