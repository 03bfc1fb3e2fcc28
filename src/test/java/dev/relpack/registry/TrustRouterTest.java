package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.relpack.testsupport.Command;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two builds in one JVM with different CAs, as a Maven reactor with {@code -T 2} runs them: real
 * TLS servers on loopback, each with a self-signed certificate of its own. jib's transport takes
 * {@code SSLSocketFactory.getDefault()} (through Apache's {@code getSystemSocketFactory}) for every
 * connection; the rounds connect with exactly that, and jib's own client is used where it
 * succeeds (it retries a refused handshake with back-off for about a minute).
 */
class TrustRouterTest {
  private static final int ROUNDS = 5;
  @TempDir static Path work;
  private static TlsServer alpha;
  private static TlsServer beta;
  private static ExecutorService serving;

  @BeforeAll
  static void start() throws Exception {
    serving = Executors.newFixedThreadPool(4);
    alpha = TlsServer.start(work.resolve("alpha"), serving);
    beta = TlsServer.start(work.resolve("beta"), serving);
  }

  @AfterAll
  static void stop() {
    alpha.server().stop(0);
    beta.server().stop(0);
    serving.shutdownNow();
  }

  @Test
  void eachBuildsThreadsTrustItsOwnCaOnlyWhileAnUnboundThreadKeepsTheJvmDefault()
      throws Exception {
    TlsTrust trustsAlpha = TlsTrust.withExtra(List.of(alpha.certificate()));
    TlsTrust trustsBeta = TlsTrust.withExtra(List.of(beta.certificate()));
    CyclicBarrier together = new CyclicBarrier(3);
    FutureTask<List<String>> alphaBuild = new FutureTask<>(() -> rounds(together, alpha));
    FutureTask<List<String>> betaBuild = new FutureTask<>(() -> rounds(together, beta));
    FutureTask<List<String>> unbound = new FutureTask<>(() -> rounds(together, null));
    List<Thread> threads = List.of(trustsAlpha.newThread(alphaBuild, "alpha-build"),
        trustsBeta.newThread(betaBuild, "beta-build"), new Thread(unbound, "unbound"));
    threads.forEach(Thread::start);

    assertEquals(withJib(Collections.nCopies(ROUNDS, "alpha: trusted, beta: not trusted")),
        alphaBuild.get(60, TimeUnit.SECONDS));
    assertEquals(withJib(Collections.nCopies(ROUNDS, "alpha: not trusted, beta: trusted")),
        betaBuild.get(60, TimeUnit.SECONDS));
    assertEquals(Collections.nCopies(ROUNDS, "alpha: not trusted, beta: not trusted"),
        unbound.get(60, TimeUnit.SECONDS));
  }

  @Test
  void aBuildWithTheJvmsTrustGetsTheDefaultOnItsThreadsEvenWithARouterInstalled()
      throws Exception {
    TlsTrust.withExtra(List.of(alpha.certificate()));
    FutureTask<String> jvmBuild = new FutureTask<>(() -> viaDefault(alpha));
    TlsTrust.jvm().newThread(jvmBuild, "jvm-build").start();
    assertEquals("not trusted", jvmBuild.get(60, TimeUnit.SECONDS));
  }

  @Test
  void relpacksOwnClientsUseTheTrustTheyAreGivenOnAnyThread() throws Exception {
    SSLSocketFactory alphaOnly = TlsTrust.withExtra(List.of(alpha.certificate())).socketFactory();
    assertEquals("200", urlConnection(alpha, alphaOnly));
    assertEquals("not trusted", urlConnection(beta, alphaOnly));
    assertEquals("not trusted", urlConnection(alpha, TlsTrust.jvm().socketFactory()));
  }

  @Test
  void oneRouterIsInstalledHoweverManyBuildsAddCas() throws Exception {
    TlsTrust.withExtra(List.of(alpha.certificate()));
    SSLContext router = SSLContext.getDefault();
    assertInstanceOf(TrustRouter.class, router);
    TlsTrust.withExtra(List.of(beta.certificate()));
    assertSame(router, SSLContext.getDefault());
    assertSame(TrustRouter.jvmDefault(), TlsTrust.jvm().context());
  }

  /**
   * Both servers as jib's transport connects, {@link #ROUNDS} times, in step with the other
   * threads; then {@code trusted}, if any, with jib's own client.
   */
  private static List<String> rounds(CyclicBarrier together, TlsServer trusted)
      throws Exception {
    List<String> outcomes = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      together.await(30, TimeUnit.SECONDS);
      outcomes.add("alpha: " + viaDefault(alpha) + ", beta: " + viaDefault(beta));
    }
    if (trusted != null) {
      outcomes.add("jib: " + jib(trusted));
    }
    return outcomes;
  }

  private static List<String> withJib(List<String> rounds) {
    List<String> outcomes = new ArrayList<>(rounds);
    outcomes.add("jib: 200");
    return outcomes;
  }

  /**
   * A TLS handshake with the server through the socket factory jib's transport takes, the JVM
   * default's, as Apache's client layers TLS on its socket: a new connection every time (an
   * {@code HttpsURLConnection} would reuse a kept-alive one, made by another thread).
   */
  private static String viaDefault(TlsServer server) throws IOException {
    SSLSocketFactory sockets = (SSLSocketFactory) SSLSocketFactory.getDefault();
    try (Socket plain = new Socket("127.0.0.1", server.server().getAddress().getPort());
        SSLSocket tls = (SSLSocket) sockets.createSocket(plain, "127.0.0.1",
            server.server().getAddress().getPort(), true)) {
      tls.startHandshake();
      return "trusted";
    } catch (SSLException e) {
      return "not trusted";
    }
  }

  /** GETs the server with jib's HTTP client, its failover to insecure connections off. */
  private static String jib(TlsServer server) throws IOException {
    FailoverHttpClient client = new FailoverHttpClient(false, false, event -> {});
    try (Response response = client.get(new URL(server.url()), Request.builder().build())) {
      return String.valueOf(response.getStatusCode());
    } catch (SSLException e) {
      return "not trusted";
    } finally {
      client.shutDown();
    }
  }

  private static String urlConnection(TlsServer server, SSLSocketFactory sockets)
      throws IOException {
    HttpsURLConnection connection =
        (HttpsURLConnection) new URL(server.url()).openConnection();
    connection.setSSLSocketFactory(sockets);
    try {
      return String.valueOf(connection.getResponseCode());
    } catch (SSLException e) {
      return "not trusted";
    } finally {
      connection.disconnect();
    }
  }

  /** An HTTPS server on loopback with a self-signed certificate made by keytool. */
  private record TlsServer(HttpsServer server, Path certificate) {
    static TlsServer start(Path dir, ExecutorService executor) throws Exception {
      Files.createDirectories(dir);
      Path keystore = dir.resolve("server.p12");
      Path certificate = dir.resolve("ca.pem");
      String name = dir.getFileName().toString();
      keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=relpack-" + name, "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
          "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
      keytool("-exportcert", "-rfc", "-alias", name, "-keystore", keystore.toString(),
          "-storepass", "changeit", "-file", certificate.toString());
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        keys.load(in, "changeit".toCharArray());
      }
      KeyManagerFactory managers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      managers.init(keys, "changeit".toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(managers.getKeyManagers(), null, null);
      HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(context));
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      });
      server.setExecutor(executor);
      server.start();
      return new TlsServer(server, certificate);
    }

    String url() {
      return "https://127.0.0.1:" + server.getAddress().getPort() + "/v2/";
    }

    private static void keytool(String... arguments) {
      List<String> command = new ArrayList<>(
          List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
      command.addAll(List.of(arguments));
      Command.run(command, Map.of(), Duration.ofSeconds(60)).requireSuccess();
    }
  }
}
