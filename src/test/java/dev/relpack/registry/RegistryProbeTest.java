package dev.relpack.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.relpack.error.RegistryException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The probe against WireMock: a plain-HTTP server, and an HTTPS one with its own self-signed certificate. */
class RegistryProbeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration BACKOFF = Duration.ofMillis(20);
  private static final RegistryAccess SECURE = new RegistryAccess(false);
  private static final RegistryAccess INSECURE = new RegistryAccess(true);

  /** Both listen on every interface, so a non-loopback address of this machine reaches them too. */
  private static WireMockServer http;
  private static WireMockServer https;

  @BeforeAll
  static void start() {
    http = new WireMockServer(options().bindAddress("0.0.0.0").dynamicPort());
    https = new WireMockServer(options().bindAddress("0.0.0.0").httpDisabled(true).dynamicHttpsPort());
    http.start();
    https.start();
  }

  @AfterAll
  static void stop() {
    http.stop();
    https.stop();
  }

  @BeforeEach
  void answerLikeARegistry() {
    for (WireMockServer server : new WireMockServer[] {http, https}) {
      server.resetAll();
      server.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(200)
          .withHeader("Docker-Distribution-API-Version", "registry/2.0").withBody("{}")));
    }
  }

  private static RegistryProbe probe(RegistryAccess access) {
    return new RegistryProbe(access, TIMEOUT, BACKOFF);
  }

  @Test
  void aPlainHttpRegistryOnLoopbackIsUsedOverHttpWithoutInsecure() {
    assertEquals(RegistryProbe.Transport.HTTP, probe(SECURE).probe("127.0.0.1:" + http.port()));
    http.verify(getRequestedFor(urlEqualTo("/v2/")));
  }

  @Test
  void theAnswerCarriesTheChallengeThePushCheckWouldAskFor() {
    String challenge = "Bearer realm=\"http://127.0.0.1/jwt/auth\",service=\"container_registry\"";
    http.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(401)
        .withHeader("WWW-Authenticate", challenge).withBody("{}")));
    RegistryProbe.Answer answer = probe(SECURE).answer("127.0.0.1:" + http.port());
    assertEquals(new RegistryProbe.Answer(RegistryProbe.Transport.HTTP, 401, challenge), answer);

    https.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(200).withBody("{}")));
    assertEquals(new RegistryProbe.Answer(RegistryProbe.Transport.HTTPS_UNVERIFIED, 200, ""),
        probe(INSECURE).answer("127.0.0.1:" + https.httpsPort()));
    // the verified handshake fails before any request; the unverified one answers, once
    https.verify(1, getRequestedFor(urlEqualTo("/v2/")));
  }

  @Test
  void aPlainHttpRegistryOnLoopbackIsAskedOnceWithoutAnyTlsHandshake() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      AtomicInteger connections = new AtomicInteger();
      AtomicInteger handshakes = new AtomicInteger();
      Thread answering = new Thread(() -> answerEachConnection(server, connections, handshakes));
      answering.setDaemon(true);
      answering.start();
      assertEquals(RegistryProbe.Transport.HTTP,
          probe(SECURE).probe("127.0.0.1:" + server.getLocalPort()));
      assertEquals(0, handshakes.get(), "TLS handshakes begun");
      assertEquals(1, connections.get(), "connections");
    }
  }

  /** Answers every connection like a plain-HTTP registry, counting those that begin with TLS. */
  private static void answerEachConnection(ServerSocket server, AtomicInteger connections,
      AtomicInteger handshakes) {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        connections.incrementAndGet();
        byte[] first = new byte[4096];
        int read = socket.getInputStream().read(first);
        if (read > 0 && first[0] == 0x16) { // a TLS handshake record: a ClientHello
          handshakes.incrementAndGet();
        }
        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
            + "Docker-Distribution-API-Version: registry/2.0\r\nConnection: close\r\n\r\n{}")
            .getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  @Test
  void aRegistryAskingForCredentialsAnswersToo() {
    http.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(401)
        .withHeader("WWW-Authenticate", "Basic realm=\"registry\"")));
    assertEquals(RegistryProbe.Transport.HTTP, probe(SECURE).probe("127.0.0.1:" + http.port()));
  }

  @Test
  void aSelfSignedRegistryIsUsedUnverifiedWithInsecure() {
    assertEquals(RegistryProbe.Transport.HTTPS_UNVERIFIED,
        probe(INSECURE).probe("127.0.0.1:" + https.httpsPort()));
    https.verify(getRequestedFor(urlEqualTo("/v2/")));
  }

  @Test
  void aSelfSignedRegistryOnLoopbackIsRefusedWithoutInsecure() {
    String registry = "127.0.0.1:" + https.httpsPort();
    RegistryException e = assertThrows(RegistryException.class, () -> probe(SECURE).probe(registry));
    assertTrue(e.getMessage().contains(registry), e.getMessage());
    assertTrue(e.getMessage().contains("{registry-ca}"), e.getMessage());
    assertTrue(e.getMessage().contains("{insecure}"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void aSelfSignedRegistryUnderANonLoopbackNameIsRefusedWithoutInsecure() {
    String host = nonLoopbackNameOfThisMachine().orElse(null);
    assumeTrue(host != null, "this machine has no name or address that is not textually loopback");
    String registry = host + ":" + https.httpsPort();
    RegistryException e = assertThrows(RegistryException.class, () -> probe(SECURE).probe(registry));
    assertTrue(e.getMessage().contains(registry), e.getMessage());
    assertTrue(e.getMessage().contains("{registry-ca}"), e.getMessage());
    // and the same registry is reachable, unverified, with --insecure
    assertEquals(RegistryProbe.Transport.HTTPS_UNVERIFIED, probe(INSECURE).probe(registry));
  }

  @Test
  void aPlainHttpRegistryUnderANonLoopbackNameNeedsInsecure() {
    String host = nonLoopbackNameOfThisMachine().orElse(null);
    assumeTrue(host != null, "this machine has no name or address that is not textually loopback");
    String registry = host + ":" + http.port();
    RegistryException e = assertThrows(RegistryException.class, () -> probe(SECURE).probe(registry));
    assertTrue(e.getMessage().contains(registry), e.getMessage());
    assertTrue(e.getMessage().contains("{insecure}"), e.getMessage());
    assertEquals(RegistryProbe.Transport.HTTP, probe(INSECURE).probe(registry));
  }

  @Test
  void aServerWithoutV2IsNoRegistry() {
    http.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(404)));
    String registry = "127.0.0.1:" + http.port();
    RegistryException e = assertThrows(RegistryException.class, () -> probe(SECURE).probe(registry));
    assertTrue(e.getMessage().contains("registry " + registry + " has no /v2/ API"), e.getMessage());
  }

  @Test
  void aClosedPortFailsFastAfterThreeTries() throws IOException {
    int port = closedPort();
    String registry = "127.0.0.1:" + port;
    long started = System.nanoTime();
    RegistryException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(RegistryException.class, () -> probe(SECURE).probe(registry)));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals("cannot reach registry " + registry + ": connection refused (tried 3 times)",
        e.getMessage());
    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
  }

  @Test
  void aClosedPortFailsTheSameWithInsecure() throws IOException {
    String registry = "127.0.0.1:" + closedPort();
    RegistryException e = assertThrows(RegistryException.class, () -> probe(INSECURE).probe(registry));
    assertTrue(e.getMessage().startsWith("cannot reach registry " + registry + ": connection refused"),
        e.getMessage());
  }

  @Test
  void anUnknownHostIsNamed() {
    String registry = "no-such-registry.invalid:5000";
    RegistryException e = assertThrows(RegistryException.class, () -> probe(SECURE).probe(registry));
    assertTrue(e.getMessage().startsWith("cannot reach registry " + registry + ": unknown host"),
        e.getMessage());
  }

  @Test
  void anUnknownHostIsNotSaidToBeTriedThreeTimes() {
    RegistryException e = assertThrows(RegistryException.class,
        () -> probe(SECURE).probe("no-such-registry.invalid:5000"));
    assertFalse(e.getMessage().contains("tried 3 times"), e.getMessage());
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * A name that reaches this machine but is not loopback by its spelling: the host name if it
   * resolves to a local address, else an IPv4 address of an interface that is up.
   */
  private static Optional<String> nonLoopbackNameOfThisMachine() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      if (!RegistryHosts.isLoopback(name) && !name.contains(":")) {
        InetAddress address = InetAddress.getByName(name);
        if (address instanceof Inet4Address && (address.isLoopbackAddress()
            || NetworkInterface.getByInetAddress(address) != null)) {
          return Optional.of(name);
        }
      }
    } catch (IOException ignored) {
      // no usable host name; try the interfaces
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && !address.isLinkLocalAddress()) {
            return Optional.of(address.getHostAddress());
          }
        }
      }
    } catch (IOException ignored) {
      // no interfaces to offer
    }
    return Optional.empty();
  }
}
