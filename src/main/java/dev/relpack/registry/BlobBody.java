package dev.relpack.registry;

import dev.relpack.error.RegistryException;
import dev.relpack.io.ReadThroughInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * A blob's body as it arrives, handed on as a stream (a layer is never held in memory) and held
 * to the size its descriptor declares: a Content-Length over it is refused before a byte is read,
 * a body that goes on past it is cut at the first byte too many, and one that ends short is
 * refused at its end. The whole body must arrive by the request's deadline, as a registry sending
 * a byte now and then never trips a socket's read timeout.
 */
final class BlobBody extends ReadThroughInputStream {
  private final long size;
  private final String what;
  private final long deadline;
  private long count;

  /**
   * @param declaredLength the Content-Length, or -1 when there is none
   * @param size the size the blob's descriptor gives
   * @param what the blob, as a message names it
   * @param deadline {@link System#nanoTime()} by which the whole body must have arrived
   */
  BlobBody(InputStream body, long declaredLength, long size, String what, long deadline) {
    super(body);
    if (declaredLength > size) {
      throw new RegistryException(what + " declares " + declaredLength + " bytes, more than the "
          + size + " its descriptor gives", null);
    }
    this.size = size;
    this.what = what;
    this.deadline = deadline;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    // one byte more than the rest may be asked for, so that a body going on is seen at once
    int n = super.read(buffer, offset, (int) Math.min(length, size - count + 1));
    if (System.nanoTime() - deadline > 0) {
      throw new SocketTimeoutException(what + " was still arriving when its time ran out");
    }
    if (n < 0) {
      if (count < size) {
        throw new RegistryException(what + " ended after " + count + " of the " + size
            + " bytes its descriptor gives", null);
      }
      return -1;
    }
    count += n;
    if (count > size) {
      throw new RegistryException(what + " goes on past the " + size + " bytes its descriptor"
          + " gives", null);
    }
    return n;
  }
}
