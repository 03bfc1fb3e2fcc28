package dev.relpack.registry;

import dev.relpack.error.RegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * Reads a response body a registry sent, never more than a limit: a declared length over the
 * limit is refused before a byte is read, and a body without one (chunked, or lying) is cut as
 * soon as it passes the limit. Memory stays at most the limit, whatever the registry sends.
 */
final class BoundedBody {
  private BoundedBody() {}

  /**
   * @param what the document, as a message names it ("the manifest of reg/x:1")
   * @param declaredLength the Content-Length, or -1 when there is none
   * @param deadline {@link System#nanoTime()} by which the whole body must have arrived: a
   *     registry sending a byte now and then never trips a socket's read timeout
   * @throws SocketTimeoutException when the deadline passes
   */
  static byte[] read(InputStream body, long declaredLength, long limit, String what,
      long deadline) throws IOException {
    if (declaredLength > limit) {
      throw tooLarge(what, "declares " + declaredLength + " bytes,", limit);
    }
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream((int) Math.min(Math.max(declaredLength, 8192), limit));
    byte[] buffer = new byte[8192];
    long total = 0;
    for (int n; (n = body.read(buffer)) > 0; ) {
      total += n;
      if (total > limit) {
        throw tooLarge(what, "goes on for", limit);
      }
      bytes.write(buffer, 0, n);
      if (System.nanoTime() - deadline > 0) {
        throw new SocketTimeoutException(what + " was still arriving when its time ran out");
      }
    }
    return bytes.toByteArray();
  }

  private static RegistryException tooLarge(String what, String size, long limit) {
    return new RegistryException(what + " " + size + " more than relpack accepts ("
        + ReadLimits.describe(limit) + "); no real image has one that large", null);
  }
}
