package dev.relpack.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortTest {
  @Test
  void aPortIsOneNoOutgoingConnectionIsGivenAndAWildcardListenerCanTake() throws IOException {
    int ephemeralStart = FreePort.ephemeralRangeStart();
    assertTrue(ephemeralStart > 11_000, () -> "the range read as starting at " + ephemeralStart);
    for (int i = 0; i < 20; i++) {
      int port = FreePort.find();
      assertTrue(port >= 10_000 && port < ephemeralStart,
          () -> port + " is not below the ephemeral range starting at " + ephemeralStart);
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(port), 1);
      }
    }
  }

  @Test
  void aPortSomeoneListensOnIsNotGiven() throws IOException {
    int port = FreePort.find();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(port), 1);
      for (int i = 0; i < 2_000; i++) {
        int other = FreePort.find();
        assertTrue(other != port, () -> "gave " + port + ", which is listened on");
      }
    }
  }
}
