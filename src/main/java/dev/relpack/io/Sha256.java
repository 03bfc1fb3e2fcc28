package dev.relpack.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files, streams, bytes and strings, as lower-case hex. */
public final class Sha256 {
  private static final int BUFFER = 64 * 1024;
  /** Enough for a file whose size says little ({@code /proc}'s say 0) to be read in few rounds. */
  private static final int SMALLEST_FILE_BUFFER = 4 * 1024;

  private Sha256() {}

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * Reads the file with a buffer no larger than it (a release's files are mostly a few kB: a
   * 64 KiB buffer for each of the hundreds a build hashes filled most of the young generation,
   * and a collection stopped the build), to its end even if it grew since its size was read.
   */
  public static String of(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file)) {
      ByteBuffer buffer = ByteBuffer.allocate(
          (int) Math.min(BUFFER, Math.max(SMALLEST_FILE_BUFFER, channel.size())));
      MessageDigest digest = newDigest();
      while (channel.read(buffer.clear()) >= 0) {
        digest.update(buffer.array(), 0, buffer.position());
      }
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  /** Of what is left in {@code in}, read to its end (and not closed: it may be a tar entry). */
  public static String of(InputStream in) throws IOException {
    MessageDigest digest = newDigest();
    byte[] buffer = new byte[BUFFER];
    for (int n; (n = in.read(buffer)) > 0; ) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  public static String of(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  public static String of(String text) {
    return of(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
