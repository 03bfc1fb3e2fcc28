package dev.relpack.testsupport;

import java.io.InputStream;

/**
 * A stream that starts with {@code prefix} and then repeats {@code filler} for ever, counting
 * what it served: what a hostile archive, blob or body can be, for tests that a reader stops.
 */
public final class EndlessStream extends InputStream {
  private final byte[] prefix;
  private final byte[] filler;
  private long served;

  public EndlessStream(byte[] prefix, byte[] filler) {
    this.prefix = prefix.clone();
    this.filler = filler.clone();
  }

  /** The bytes read from it so far. */
  public long served() {
    return served;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    read(one, 0, 1);
    return one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    for (int i = 0; i < len; i++) {
      long at = served + i;
      b[off + i] = at < prefix.length ? prefix[(int) at]
          : filler[(int) ((at - prefix.length) % filler.length)];
    }
    served += len;
    return len;
  }
}
