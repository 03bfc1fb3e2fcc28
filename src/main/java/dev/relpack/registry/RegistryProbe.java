package dev.relpack.registry;

import dev.relpack.error.RegistryException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLException;

/**
 * Checks, before a build starts, that a registry answers on {@code /v2/}. jib retries network
 * failures for about a minute before giving up; this fails in seconds with a message that says
 * what is wrong (unreachable, TLS not trusted, not a registry).
 */
public final class RegistryProbe {
  private static final int ATTEMPTS = 3;
  /** How long a loopback registry is given to answer plain HTTP before TLS is tried. */
  static final Duration PLAIN_HTTP_WAIT = Duration.ofSeconds(2);
  private final RegistryAccess access;
  private final Duration timeout;
  private final Duration firstBackoff;

  public RegistryProbe(RegistryAccess access, Duration timeout, Duration firstBackoff) {
    this.access = access;
    this.timeout = timeout;
    this.firstBackoff = firstBackoff;
  }

  /** How the registry can be reached. */
  public enum Transport {
    HTTPS,
    /** HTTPS without certificate verification ({@code --insecure} or a loopback registry). */
    HTTPS_UNVERIFIED,
    HTTP
  }

  /**
   * How the registry answered {@code GET /v2/} without credentials, over the transport it is to
   * be used with: what a push check asks first, so it need not ask again ({@link PushAccess}).
   *
   * @param status its HTTP status
   * @param challenge its {@code WWW-Authenticate} header, or empty when it sent none
   */
  public record Answer(Transport transport, int status, String challenge) {}

  /** How the registry answers: over verified HTTPS, or insecurely where that is allowed. */
  public Transport probe(String registry) {
    return answer(registry).transport();
  }

  /** As {@link #probe}, with the answer the transport was found by. */
  public Answer answer(String registry) {
    IOException last = null;
    Duration backoff = firstBackoff;
    int attempt = 0;
    while (attempt < ATTEMPTS) {
      attempt++;
      try {
        return probeOnce(registry);
      } catch (SSLException e) {
        throw new RegistryException("cannot use registry " + registry + " securely: "
            + tlsProblem(e) + "; if it has a private CA pass {registry-ca} FILE, else {insecure}",
            e);
      } catch (IOException e) {
        last = e;
        if (!isTransient(e) || attempt == ATTEMPTS) {
          break;
        }
        pause(backoff);
        backoff = backoff.multipliedBy(2);
      }
    }
    throw new RegistryException("cannot reach registry " + registry + ": " + describe(last)
        + (attempt > 1 ? " (tried " + attempt + " times)" : ""), last);
  }

  private Answer probeOnce(String registry) throws IOException {
    Optional<Reply> plain = RegistryHosts.isLoopback(registry) ? answersPlainHttp(registry)
        : Optional.empty();
    if (plain.isPresent()) {
      // A port that answers plain HTTP like a registry speaks no TLS. Asking a loopback one over
      // HTTPS first, as any other, would cost two failed handshakes and setting up the JVM's TLS
      // (its CA store alone, ~60 ms) for a transport it would not use.
      return plain.get().as(Transport.HTTP);
    }
    try {
      return get("https", registry, false).as(Transport.HTTPS);
    } catch (SSLException verifiedFailed) {
      // Either TLS with a certificate we do not trust, or no TLS at all (an HTTP-only registry
      // answers the handshake with garbage): an unverified handshake tells which.
      Optional<Reply> unverified;
      try {
        unverified = Optional.of(get("https", registry, true));
      } catch (SSLException notTls) {
        unverified = Optional.empty();
      }
      if (unverified.isPresent()) {
        if (!access.allowsUnverifiedTls()) {
          throw verifiedFailed;
        }
        return unverified.get().as(Transport.HTTPS_UNVERIFIED);
      }
      if (!access.allowsPlainHttp(registry)) {
        throw verifiedFailed;
      }
      return get("http", registry, false).as(Transport.HTTP);
    } catch (ConnectException e) {
      if (!access.allowsPlainHttp(registry)) {
        throw e;
      }
      return get("http", registry, false).as(Transport.HTTP);
    }
  }

  /** What {@code /v2/} answered: its status and challenge. */
  private record Reply(int status, String challenge) {
    Answer as(Transport transport) {
      return new Answer(transport, status, challenge);
    }
  }

  /**
   * Whether {@code /v2/} answers plain HTTP as a registry does (200, or 401 asking for
   * credentials). A TLS port answers a plain request with 400 or hangs up, so anything else, or
   * no answer within {@link #PLAIN_HTTP_WAIT}, leaves it to the full probe.
   */
  private Optional<Reply> answersPlainHttp(String registry) {
    try {
      Reply reply = reply("http", registry, false, timeout.compareTo(PLAIN_HTTP_WAIT) < 0
          ? timeout : PLAIN_HTTP_WAIT);
      return reply.status() == 200 || reply.status() == 401 ? Optional.of(reply)
          : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private Reply get(String scheme, String registry, boolean unverified) throws IOException {
    Reply reply = reply(scheme, registry, unverified, timeout);
    // 200 (open) and 401 (auth needed) are what a registry answers; 404 means no /v2/ API.
    if (reply.status() == 404) {
      throw new RegistryException("registry " + registry + " has no /v2/ API (HTTP 404 at "
          + scheme + "://" + registry + "/v2/); is this a container registry?", null);
    }
    return reply;
  }

  /** What {@code /v2/} answers over {@code scheme}, waiting at most {@code wait}. */
  private Reply reply(String scheme, String registry, boolean unverified, Duration wait)
      throws IOException {
    HttpURLConnection connection =
        (HttpURLConnection) URI.create(scheme + "://" + registry + "/v2/").toURL().openConnection();
    if (connection instanceof HttpsURLConnection https) {
      if (unverified) {
        https.setSSLSocketFactory(TrustAll.SOCKET_FACTORY);
        https.setHostnameVerifier((host, session) -> true);
      } else {
        https.setSSLSocketFactory(access.trust().socketFactory());
      }
    }
    connection.setConnectTimeout((int) wait.toMillis());
    connection.setReadTimeout((int) wait.toMillis());
    connection.setInstanceFollowRedirects(false);
    try {
      int status = connection.getResponseCode();
      String challenge = connection.getHeaderField("WWW-Authenticate");
      KeptAlive.finish(connection);
      return new Reply(status, challenge == null ? "" : challenge);
    } finally {
      connection.disconnect();
    }
  }

  private static String tlsProblem(SSLException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("PKIX") || message.contains("certification path")) {
      return "its TLS certificate is not signed by a CA this machine trusts";
    }
    if (message.contains("subject alternative") || message.contains("No name matching")) {
      return "its TLS certificate is for another host name";
    }
    return "TLS failed (" + message + ")";
  }

  private static boolean isTransient(IOException e) {
    return e instanceof ConnectException || e instanceof SocketTimeoutException
        || e instanceof NoRouteToHostException;
  }

  private static String describe(IOException e) {
    if (e instanceof UnknownHostException) {
      return "unknown host " + e.getMessage();
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof SocketTimeoutException) {
      return "timed out";
    }
    return e == null ? "no answer" : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("interrupted while waiting to retry", e);
    }
  }
}
