package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.RegistryException;
import dev.relpack.testsupport.EndlessStream;
import java.io.ByteArrayInputStream;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
  private static final long NO_DEADLINE = System.nanoTime() + 3_600_000_000_000L;

  /** Bytes without end ("aaa..."), counting how many were taken. */
  private static EndlessStream endless() {
    return new EndlessStream(new byte[0], new byte[] {'a'});
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedBeforeAByteIsRead() {
    EndlessStream body = endless();
    RegistryException e = assertThrows(RegistryException.class, () ->
        BoundedBody.read(body, 2L * 1024 * 1024 * 1024, 4 * 1024 * 1024, "the manifest of r/x:1",
            NO_DEADLINE));
    assertTrue(e.getMessage().startsWith("the manifest of r/x:1 declares 2147483648 bytes, more"
        + " than relpack accepts (4 MiB)"), e.getMessage());
    assertTrue(body.served() == 0, "read " + body.served());
  }

  @Test
  void anEndlessBodyIsCutJustPastTheLimit() {
    EndlessStream body = endless();
    RegistryException e = assertThrows(RegistryException.class, () ->
        BoundedBody.read(body, -1, 1024 * 1024, "the token", NO_DEADLINE));
    assertTrue(e.getMessage().contains("the token goes on for more than relpack accepts (1 MiB)"),
        e.getMessage());
    assertTrue(body.served() <= 1024 * 1024 + 8192, "read " + body.served());
  }

  @Test
  void aBodyThatUnderstatesItsLengthIsCutToo() {
    EndlessStream body = endless();
    assertThrows(RegistryException.class, () -> BoundedBody.read(body, 10, 4096, "x",
        NO_DEADLINE));
    assertTrue(body.served() <= 4096 + 8192, "read " + body.served());
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
        BoundedBody.read(endless(), -1, Long.MAX_VALUE, "the config", System.nanoTime()));
    assertTrue(e.getMessage().contains("the config was still arriving"), e.getMessage());
  }
}
