package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestVerifyingInputStreamTest {
  private static final byte[] CONTENT = "the layer's bytes, all of them".getBytes(StandardCharsets.UTF_8);
  private static final String DIGEST = "sha256:" + Sha256.of(CONTENT);

  private static InputStream verifying(byte[] content) {
    return new DigestVerifyingInputStream(new ByteArrayInputStream(content), DIGEST,
        actual -> new IllegalStateException("is " + actual));
  }

  @Test
  void contentWithItsDigestReadsThroughUnchanged() throws IOException {
    try (InputStream in = verifying(CONTENT)) {
      assertArrayEquals(CONTENT, in.readAllBytes());
    }
  }

  @Test
  void otherContentFailsAtItsEndNamingItsDigest() {
    byte[] other = "the layer's bytes, all of thEm".getBytes(StandardCharsets.UTF_8);
    InputStream in = verifying(other);
    IllegalStateException e = assertThrows(IllegalStateException.class, in::readAllBytes);
    assertEquals("is sha256:" + Sha256.of(other), e.getMessage());
  }

  @Test
  void closingBeforeTheEndChecksTheRestSkippedBytesIncluded() throws IOException {
    byte[] other = (new String(CONTENT, StandardCharsets.UTF_8) + "!").getBytes(StandardCharsets.UTF_8);
    InputStream in = verifying(other);
    in.read(new byte[4]);
    in.skip(5);
    assertThrows(IllegalStateException.class, in::close, "the appended byte is found on close");

    InputStream intact = verifying(CONTENT);
    intact.read(new byte[4]);
    assertEquals(5, intact.skip(5));
    intact.close(); // the skipped bytes were hashed: no mismatch
  }
}
