package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.RegistryException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
  private static final long NO_DEADLINE = System.nanoTime() + 3_600_000_000_000L;

  /** Bytes without end, counting how many were taken. */
  private static final class Endless extends InputStream {
    long taken;

    @Override
    public int read() {
      taken++;
      return 'a';
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      java.util.Arrays.fill(buffer, offset, offset + length, (byte) 'a');
      taken += length;
      return length;
    }
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedBeforeAByteIsRead() {
    Endless body = new Endless();
    RegistryException e = assertThrows(RegistryException.class, () ->
        BoundedBody.read(body, 2L * 1024 * 1024 * 1024, 4 * 1024 * 1024, "the manifest of r/x:1",
            NO_DEADLINE));
    assertTrue(e.getMessage().startsWith("the manifest of r/x:1 declares 2147483648 bytes, more"
        + " than relpack accepts (4 MiB)"), e.getMessage());
    assertTrue(body.taken == 0, "read " + body.taken);
  }

  @Test
  void anEndlessBodyIsCutJustPastTheLimit() {
    Endless body = new Endless();
    RegistryException e = assertThrows(RegistryException.class, () ->
        BoundedBody.read(body, -1, 1024 * 1024, "the token", NO_DEADLINE));
    assertTrue(e.getMessage().contains("the token goes on for more than relpack accepts (1 MiB)"),
        e.getMessage());
    assertTrue(body.taken <= 1024 * 1024 + 8192, "read " + body.taken);
  }

  @Test
  void aBodyThatUnderstatesItsLengthIsCutToo() {
    Endless body = new Endless();
    assertThrows(RegistryException.class, () -> BoundedBody.read(body, 10, 4096, "x",
        NO_DEADLINE));
    assertTrue(body.taken <= 4096 + 8192, "read " + body.taken);
  }

  @Test
  void aBodyOfExactlyTheLimitIsRead() throws Exception {
    byte[] content = new byte[4096];
    java.util.Arrays.fill(content, (byte) 7);
    assertArrayEquals(content, BoundedBody.read(new ByteArrayInputStream(content), 4096, 4096,
        "x", NO_DEADLINE));
    assertArrayEquals(content, BoundedBody.read(new ByteArrayInputStream(content), -1, 4096,
        "x", NO_DEADLINE));
  }

  @Test
  void aBodyStillArrivingAtTheDeadlineTimesOut() {
    SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () ->
        BoundedBody.read(new Endless(), -1, Long.MAX_VALUE, "the config", System.nanoTime()));
    assertTrue(e.getMessage().contains("the config was still arriving"), e.getMessage());
  }
}
