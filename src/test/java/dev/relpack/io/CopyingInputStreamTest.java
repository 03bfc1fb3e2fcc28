package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CopyingInputStreamTest {
  private static byte[] content() {
    byte[] bytes = new byte[200_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + i / 7);
    }
    return bytes;
  }

  @Test
  void theCopyHoldsExactlyWhatWasReadHoweverItWasRead() throws IOException {
    byte[] content = content();
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    try (InputStream in = new CopyingInputStream(new ByteArrayInputStream(content), copy)) {
      assertEquals(content[0] & 0xff, in.read());
      byte[] some = in.readNBytes(1000);
      assertArrayEquals(Arrays.copyOfRange(content, 1, 1001), some);
      assertEquals(50_000, in.skip(50_000)); // skipped bytes are read, so copied too
      in.readAllBytes();
      assertEquals(-1, in.read());
    }
    assertArrayEquals(content, copy.toByteArray());
  }

  @Test
  void whatWasNotReadIsNotCopied() throws IOException {
    byte[] content = content();
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    try (InputStream in = new CopyingInputStream(new ByteArrayInputStream(content), copy)) {
      in.readNBytes(10);
    }
    assertArrayEquals(Arrays.copyOf(content, 10), copy.toByteArray());
  }
}
