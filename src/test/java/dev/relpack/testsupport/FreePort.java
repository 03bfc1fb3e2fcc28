package dev.relpack.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP port nobody listens on right now, below the kernel's ephemeral range.
 *
 * <p>Why below: a port the kernel hands out for {@code bind(0)} is also one it hands to the
 * next outgoing connection (skopeo, Maven, a registry client), and a server told to listen on
 * it a second later then fails with EADDRINUSE (a pipeline test's image did, in CI). Ports under
 * the range are never given to a connection; only another listener could take one.
 */
public final class FreePort {
  private static final int LOWEST = 10_000;
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private FreePort() {}

  public static int find() {
    int ephemeralStart = ephemeralRangeStart();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, ephemeralStart);
      if (free(port)) {
        return port;
      }
    }
    throw new AssertionError("no free port between " + LOWEST + " and " + ephemeralStart);
  }

  /** Free on every address, as a server listening on the wildcard address needs it. */
  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port the kernel gives to outgoing connections and {@code bind(0)}. */
  public static int ephemeralRangeStart() {
    // Read a line: Files.readString gives only "3" of this sysctl on JDK 17 (procfs's size).
    try (BufferedReader reader = Files.newBufferedReader(RANGE)) {
      String range = reader.readLine().trim();
      return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default start
    }
  }
}
