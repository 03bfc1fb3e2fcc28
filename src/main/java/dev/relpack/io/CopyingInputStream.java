package dev.relpack.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes every byte read from it to {@code copy} as well: a blob saved while it is checked, so
 * that it is read once, as it arrives, not saved first and read back. Closing it leaves
 * {@code copy} open.
 */
public final class CopyingInputStream extends ReadThroughInputStream {
  private final OutputStream copy;

  public CopyingInputStream(InputStream in, OutputStream copy) {
    super(in);
    this.copy = copy;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      copy.write(b);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      copy.write(buffer, offset, n);
    }
    return n;
  }
}
