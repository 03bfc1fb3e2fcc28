package dev.relpack.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A GitLab project's container registry as a job sees it: the real registry over HTTPS, behind
 * {@link GitlabTokenService}. Made by {@link GitlabTokenService#startWithRegistry}.
 */
public final class GitlabRegistry implements AutoCloseable {
  private final RegistryServer registry;
  private final GitlabTokenService tokens;
  private final String realm;

  GitlabRegistry(RegistryServer registry, GitlabTokenService tokens, String realm) {
    this.registry = registry;
    this.tokens = tokens;
    this.realm = realm;
  }

  /** host:port of the registry, as {@code CI_REGISTRY} holds it. */
  public String address() {
    return registry.address();
  }

  /** {@code CI_REGISTRY_IMAGE}: the registry and the project's path. */
  public String projectImage() {
    return address() + "/" + tokens.settings().project();
  }

  /** The token endpoint, {@code https://127.0.0.1:PORT/jwt/auth}. */
  public String realm() {
    return realm;
  }

  /** The CA both servers' TLS certificates verify with ({@code CI_SERVER_TLS_CA_FILE}). */
  public Path caFile() {
    return registry.certificate();
  }

  /**
   * A directory with the CA as {@code ca.crt}, the form skopeo's {@code --cert-dir} reads.
   */
  public Path certDir() {
    Path dir = caFile().resolveSibling("certs.d");
    try {
      Files.createDirectories(dir);
      Files.copy(caFile(), dir.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
      return dir;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The job's {@code CI_JOB_TOKEN}. */
  public String jobToken() {
    return tokens.settings().jobToken();
  }

  public GitlabTokenService tokens() {
    return tokens;
  }

  public RegistryServer registry() {
    return registry;
  }

  @Override
  public void close() {
    try {
      tokens.close();
    } finally {
      registry.close();
    }
  }
}
