package dev.relpack.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Takes bytes written to it and compares them with the next bytes of {@code expected}: a write
 * that differs, or that runs past its end, throws {@link Mismatch}, which stops the writer.
 * Whether {@code expected} has bytes left after the last write is for the caller to check.
 */
final class ComparingOutputStream extends OutputStream {
  private final InputStream expected;
  private final byte[] buffer = new byte[1 << 16];
  private long offset;

  ComparingOutputStream(InputStream expected) {
    this.expected = expected;
  }

  /** The written bytes differ from the expected ones from {@code offset} on. */
  static final class Mismatch extends IOException {
    private final long offset;

    Mismatch(long offset) {
      super("the content differs from byte " + offset);
      this.offset = offset;
    }

    long offset() {
      return offset;
    }
  }

  /** The bytes compared so far, all equal. */
  long offset() {
    return offset;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int from, int length) throws IOException {
    while (length > 0) {
      int chunk = Math.min(length, buffer.length);
      int read = expected.readNBytes(buffer, 0, chunk);
      int differs = Arrays.mismatch(buffer, 0, read, bytes, from, from + chunk);
      if (differs >= 0) {
        throw new Mismatch(offset + differs);
      }
      offset += chunk;
      from += chunk;
      length -= chunk;
    }
  }
}
