package dev.relpack.io;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * A stream that hashes what passes through it and, at its end, requires the SHA-256 it was
 * given: a layer or blob is checked as it is read, never held in memory or read twice to check
 * it first. The check also runs on {@link #close}, after reading what the reader left: a tar
 * reader stops at the archive's end marker, before the padding that follows it, and gzip may stop
 * before the last bytes; so whoever closes the stream has had all of it checked.
 *
 * <p>A mismatch is thrown as the unchecked exception {@code mismatch} makes (a typed relpack
 * error, raised where found), from the read that met the end or from close.
 */
public final class DigestVerifyingInputStream extends ReadThroughInputStream {
  private final MessageDigest sha256 = Sha256.newDigest();
  private final String expected;
  private final Function<String, ? extends RuntimeException> mismatch;
  private boolean checked;

  /**
   * @param expected {@code sha256:HEX}
   * @param mismatch the error to throw, given the digest the content has ({@code sha256:HEX})
   */
  public DigestVerifyingInputStream(InputStream in, String expected,
      Function<String, ? extends RuntimeException> mismatch) {
    super(in);
    this.expected = expected;
    this.mismatch = mismatch;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b < 0) {
      check();
    } else {
      sha256.update((byte) b);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n < 0) {
      check();
    } else {
      sha256.update(buffer, offset, n);
    }
    return n;
  }





  /** Reads what is left, checks the digest, then closes the stream under it. */
  @Override
  public void close() throws IOException {
    try {
      if (!checked) {
        byte[] buffer = new byte[64 * 1024];
        while (read(buffer, 0, buffer.length) >= 0) {
          // hashing the rest
        }
      }
    } finally {
      super.close();
    }
  }

  private void check() {
    if (checked) {
      return;
    }
    checked = true;
    String actual = "sha256:" + HexFormat.of().formatHex(sha256.digest());
    if (!actual.equals(expected)) {
      throw mismatch.apply(actual);
    }
  }
}
