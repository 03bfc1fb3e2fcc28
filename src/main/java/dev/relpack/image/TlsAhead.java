package dev.relpack.image;

import com.google.api.client.util.SslUtils;
import javax.net.ssl.SSLContext;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;

/**
 * Sets up the JVM's TLS on a thread of its own while relpack compresses the layers, before jib
 * runs: jib's first request to a registry goes over HTTPS, verified then not, before plain HTTP,
 * even to one relpack found speaks only HTTP (a loopback one), and the JVM's TLS set-up (the
 * trust store's certificates, the providers, jib's two socket factories) is 100-140 ms of one
 * core that the build would otherwise wait for after the layers. Where relpack itself spoke
 * HTTPS to a registry already, there is little left to set up.
 */
final class TlsAhead {
  private TlsAhead() {}

  /** Starts it; nothing waits for it, and a failure leaves the set-up to jib. */
  static void start() {
    Thread thread = new Thread(TlsAhead::setUp, "relpack-tls-ahead");
    thread.setDaemon(true);
    thread.start();
  }

  private static void setUp() {
    try {
      SSLContext.getDefault().createSSLEngine();
      SSLConnectionSocketFactory.getSystemSocketFactory();
      SslUtils.trustAllSSLContext();
    } catch (Exception e) {
      // jib sets it up itself, and says what is wrong if it cannot
    }
  }
}
