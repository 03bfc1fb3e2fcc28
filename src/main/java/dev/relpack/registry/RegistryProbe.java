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

  /** How the registry answers: over verified HTTPS, or insecurely where that is allowed. */
  public Transport probe(String registry) {
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

  private Transport probeOnce(String registry) throws IOException {
    if (RegistryHosts.isLoopback(registry) && answersPlainHttp(registry)) {
      // A port that answers plain HTTP like a registry speaks no TLS. Asking a loopback one over
      // HTTPS first, as any other, would cost two failed handshakes and setting up the JVM's TLS
      // (its CA store alone, ~60 ms) for a transport it would not use.
      return Transport.HTTP;
    }
    try {
      get("https", registry, false);
      return Transport.HTTPS;
    } catch (SSLException verifiedFailed) {
      // Either TLS with a certificate we do not trust, or no TLS at all (an HTTP-only registry
      // answers the handshake with garbage): an unverified handshake tells which.
      boolean speaksTls;
      try {
        get("https", registry, true);
        speaksTls = true;
      } catch (SSLException notTls) {
        speaksTls = false;
      }
      if (speaksTls) {
        if (!access.allowsUnverifiedTls()) {
          throw verifiedFailed;
        }
        return Transport.HTTPS_UNVERIFIED;
      }
      if (!access.allowsPlainHttp(registry)) {
        throw verifiedFailed;
      }
      get("http", registry, false);
      return Transport.HTTP;
    } catch (ConnectException e) {
      if (!access.allowsPlainHttp(registry)) {
        throw e;
      }
      get("http", registry, false);
      return Transport.HTTP;
    }
  }

  /**
   * Whether {@code /v2/} answers plain HTTP as a registry does (200, or 401 asking for
   * credentials). A TLS port answers a plain request with 400 or hangs up, so anything else, or
   * no answer within {@link #PLAIN_HTTP_WAIT}, leaves it to the full probe.
   */
  private boolean answersPlainHttp(String registry) {
    try {
      int status = status("http", registry, false, timeout.compareTo(PLAIN_HTTP_WAIT) < 0
          ? timeout : PLAIN_HTTP_WAIT);
      return status == 200 || status == 401;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private void get(String scheme, String registry, boolean unverified) throws IOException {
    int status = status(scheme, registry, unverified, timeout);
    // 200 (open) and 401 (auth needed) are what a registry answers; 404 means no /v2/ API.
    if (status == 404) {
      throw new RegistryException("registry " + registry + " has no /v2/ API (HTTP 404 at "
          + scheme + "://" + registry + "/v2/); is this a container registry?", null);
    }
  }

  /** The HTTP status {@code /v2/} answers over {@code scheme}, waiting at most {@code wait}. */
  private int status(String scheme, String registry, boolean unverified, Duration wait)
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
      KeptAlive.finish(connection);
      return status;
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
