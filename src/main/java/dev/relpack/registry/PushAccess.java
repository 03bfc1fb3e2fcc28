package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import dev.relpack.error.BadInputException;
import dev.relpack.error.RegistryException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Asks a registry, before any build work, whether the build may push where it is to: as jib
 * will, {@code GET /v2/} and then, for a token registry, a token for {@code
 * repository:PATH:pull,push}; for a Basic one, {@code GET /v2/} with the credential. A build that
 * would only find out after minutes of reading, compressing and uploading that its credentials
 * are missing, wrong or not allowed there fails in a second instead, with a message that says
 * which of the three it is. An open registry is not asked anything more.
 *
 * <p>Token servers drop denied actions from the token silently (GitLab, distribution's own
 * token servers), so the grant is read from the token's {@code access} claim; a token that is
 * not such a JWT cannot be read and is trusted.
 */
public final class PushAccess {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Sources that hold a GitLab job token, which may push only to its own project. */
  private static final Set<String> JOB_TOKEN_SOURCES = Set.of("CI_REGISTRY_PASSWORD",
      "CI_JOB_TOKEN");
  private final RegistryAccess access;
  private final RegistryProbe.Transport transport;
  private final Duration timeout;

  /**
   * @param transport how the probe found the registry answers
   * @param timeout the longest one request may take
   */
  public PushAccess(RegistryAccess access, RegistryProbe.Transport transport, Duration timeout) {
    this.access = access;
    this.transport = transport;
    this.timeout = timeout;
  }

  /**
   * A credential and where it came from.
   *
   * @param source the variable, file or login, for messages; never the secret
   */
  public record Login(Credential credential, String source) {
    /** Never the password. */
    @Override
    public String toString() {
      return "Login[username=" + credential.getUsername() + ", source=" + source + "]";
    }
  }

  /**
   * Requires that {@code login} (or no login) may push to {@code repository} of {@code
   * registry}.
   *
   * @param lookedIn where a credential was looked for, named when none was found
   * @param probed how the registry answered the probe's {@code GET /v2/}, which is the first
   *     question here too: not asked again when it was 2xx or a challenge over this transport
   * @return how push was found allowed, for the log
   * @throws BadInputException when no credential was found and one is needed, when the
   *     credential is refused, or when it does not allow a push there
   * @throws RegistryException when the registry or its token server fails
   */
  public String require(String registry, String repository, Optional<Login> login,
      List<String> lookedIn, Optional<RegistryProbe.Answer> probed) {
    RegistryHttp http = new RegistryHttp(registry, repository, transport, access,
        login.map(Login::credential), timeout, ReadLimits.DEFAULT);
    Optional<String> challenge = challenge(http, probed);
    if (challenge.isEmpty()) {
      return "registry " + registry + " asks for no credentials";
    }
    String scheme = challenge.get().trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    if (scheme.equals("basic")) {
      if (login.isEmpty()) {
        throw noCredentials(registry, lookedIn);
      }
      if (!http.basicAccepted()) {
        throw refused(registry, login.get());
      }
      return "registry " + registry + " accepts the credentials from " + login.get().source();
    }
    if (!scheme.equals("bearer")) {
      return "registry " + registry + " asks for " + scheme + " auth, which is not checked ahead";
    }
    String scope = "repository:" + repository + ":pull,push";
    RegistryHttp.TokenAnswer answer;
    try {
      answer = http.requestToken(RegistryHttp.parameters(challenge.get()), scope,
          "a push to " + registry + "/" + repository);
    } catch (SocketTimeoutException e) {
      throw new RegistryException("the token server of registry " + registry
          + " did not answer within " + RegistryDeadline.seconds(timeout)
          + "; pass {timeout} SECONDS to wait longer", e);
    } catch (IOException e) {
      throw new RegistryException("cannot reach the token server of registry " + registry + ": "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    if (answer.status() == 401 || answer.status() == 403 && login.isEmpty()) {
      throw login.isEmpty() ? noCredentials(registry, lookedIn) : refused(registry, login.get());
    }
    if (answer.status() == 403) {
      throw denied(registry, repository, login.get());
    }
    if (answer.status() / 100 != 2) {
      throw new RegistryException("the token server of registry " + registry + " answered HTTP "
          + answer.status() + " when asked for a push to " + repository, null);
    }
    Optional<Boolean> pushes = grantsPush(answer.token(), repository);
    if (pushes.isEmpty()) {
      return "registry " + registry + " gave a token whose grants cannot be read; trusted";
    }
    if (!pushes.get()) {
      if (login.isEmpty()) {
        throw noCredentials(registry, lookedIn);
      }
      throw denied(registry, repository, login.get());
    }
    return "registry " + registry + " lets "
        + login.map(l -> "the credentials from " + l.source()).orElse("anyone") + " push to "
        + repository;
  }

  /**
   * What {@code GET /v2/} asks for: nothing (2xx), or a challenge (401, 403; empty text when it
   * named none). Taken from the probe's answer when it was one of those over this transport,
   * else asked.
   */
  private Optional<String> challenge(RegistryHttp http, Optional<RegistryProbe.Answer> probed) {
    if (probed.isPresent() && probed.get().transport() == transport) {
      int status = probed.get().status();
      if (status / 100 == 2) {
        return Optional.empty();
      }
      if (status == 401 || status == 403) {
        return Optional.of(probed.get().challenge());
      }
    }
    return http.challenge();
  }

  /**
   * Whether a token's {@code access} claim grants a push to {@code repository}; empty when the
   * token is not a JWT with such a claim.
   */
  static Optional<Boolean> grantsPush(String token, String repository) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    JsonNode claims;
    try {
      claims = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]),
          StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      // not e: its message may quote the token
      return Optional.empty();
    }
    if (claims == null || !claims.path("access").isArray()) {
      return Optional.empty();
    }
    for (JsonNode grant : claims.path("access")) {
      if (grant.path("type").asText().equals("repository")
          && grant.path("name").asText().equals(repository)) {
        for (JsonNode action : grant.path("actions")) {
          if (action.asText().equals("push") || action.asText().equals("*")) {
            return Optional.of(true);
          }
        }
      }
    }
    return Optional.of(false);
  }

  private static BadInputException noCredentials(String registry, List<String> lookedIn) {
    return new BadInputException("no credentials found for " + registry + " (looked in: "
        + String.join("; ", lookedIn) + ")");
  }

  private static BadInputException refused(String registry, Login login) {
    return new BadInputException("credentials from " + login.source() + " were refused by "
        + registry + (JOB_TOKEN_SOURCES.contains(login.source())
            ? "; a job token is valid only while its job runs" : "; renew them or log in again"));
  }

  private static BadInputException denied(String registry, String repository, Login login) {
    return new BadInputException("the token for " + registry + " grants no push to " + repository
        + " (credentials from " + login.source() + ")"
        + (JOB_TOKEN_SOURCES.contains(login.source())
            ? "; a GitLab job token may push only to its own project's registry"
                + " ($CI_REGISTRY_IMAGE and up to two path segments below it): give a {to} there"
            : "; give a {to} these credentials may push to"));
  }
}
