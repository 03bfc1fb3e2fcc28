package dev.relpack.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;

/**
 * Leaves a connection whose answer is not wanted (a probe's, a refusal's) to the JDK's keep-alive
 * cache, for the next request to the same server without a new connection and TLS handshake:
 * what little body it has is read to its end, if it has all arrived (a server that stalls in the
 * middle of a body is never waited for). A larger one, or one not all there, is left unread, and
 * the connection is closed as before.
 */
final class KeptAlive {
  /** More than a registry's error document, less than anything worth reading to reuse a socket. */
  private static final int SMALL_BODY = 16 * 1024;

  private KeptAlive() {}

  static void finish(HttpURLConnection connection) {
    long length = connection.getContentLengthLong();
    if (length < 0 || length > SMALL_BODY) {
      return;
    }
    try {
      InputStream body = connection.getResponseCode() / 100 == 2 ? connection.getInputStream()
          : connection.getErrorStream();
      if (body != null && body.available() >= length) {
        try (body) {
          body.readNBytes((int) length);
        }
      }
    } catch (IOException e) {
      // left to be closed
    }
  }
}
