package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.io.Sha256;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests to a registry go over one kept-alive connection while each body is read to its end,
 * a refusal's short answer included, and a kept-alive connection the registry has closed in the
 * meantime is replaced, also for a request with a body. A plain socket server, so that connections can be counted and closed.
 */
class KeptAliveConnectionsTest {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST
      + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
      + "\"sha256:" + "a".repeat(64) + "\",\"size\":2},\"layers\":[]}";
  private static final String DIGEST = "sha256:" + Sha256.of(MANIFEST);

  private final AtomicInteger connections = new AtomicInteger();
  private final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ServerSocket server;
  private final List<Socket> open = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    server.close();
    synchronized (open) {
      for (Socket socket : open) {
        socket.close();
      }
    }
  }

  @Test
  void requestsToOneRegistryShareAConnection() throws Exception {
    serve(false);
    RegistryReader reader = reader();

    for (int i = 0; i < 3; i++) {
      assertEquals(DIGEST, reader.read(image(), Optional.empty()).digest());
    }

    assertEquals(3, requests.size(), requests.toString());
    assertEquals(1, connections.get(), "three reads over one connection");
  }

  @Test
  void aRefusalsShortAnswerIsReadSoItsConnectionServesTheNextRequest() throws Exception {
    serve(false);
    RegistryReader reader = reader();
    ImageReference missing = ImageReference.parse("127.0.0.1:" + server.getLocalPort()
        + "/app:missing");

    assertThrows(dev.relpack.error.BadInputException.class,
        () -> reader.read(missing, Optional.empty()));
    assertEquals(DIGEST, reader.read(image(), Optional.empty()).digest());

    assertEquals(1, connections.get(), "the 404 and the read over one connection");
  }

  @Test
  void aConnectionTheRegistryClosedIsReplacedForARequestWithABody() throws Exception {
    serve(true);

    reader().tagger().tag(image(), Optional.empty(), DIGEST, List.of("2"));

    assertEquals(List.of("HEAD /v2/app/manifests/2", "GET /v2/app/manifests/" + DIGEST,
        "PUT /v2/app/manifests/2"), requests);
  }

  private RegistryReader reader() {
    return new RegistryReader(new RegistryAccess(false), r -> RegistryProbe.Transport.HTTP,
        Duration.ofSeconds(10), ReadLimits.DEFAULT);
  }

  private ImageReference image() throws Exception {
    return ImageReference.parse("127.0.0.1:" + server.getLocalPort() + "/app:1");
  }

  /**
   * Answers manifest requests, keeping each connection open; with {@code closeAfterBody}, each
   * connection is closed after a response with a body, without saying so, as a registry's idle
   * timeout would close it.
   */
  private void serve(boolean closeAfterBody) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          connections.incrementAndGet();
          synchronized (open) {
            open.add(socket);
          }
          Thread handler = new Thread(() -> answer(socket, closeAfterBody));
          handler.setDaemon(true);
          handler.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void answer(Socket socket, boolean closeAfterBody) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
      for (String line; (line = lines.readLine()) != null; ) {
        String[] request = line.split(" ");
        long length = 0;
        for (String header; (header = lines.readLine()) != null && !header.isEmpty(); ) {
          if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Long.parseLong(header.substring("content-length:".length()).trim());
          }
        }
        for (long i = 0; i < length; i++) {
          lines.read(); // a manifest's JSON: one char a byte
        }
        requests.add(request[0] + " " + request[1]);
        String response = response(request[0], request[1]);
        out.write(response.getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (closeAfterBody && response.endsWith("}")) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String response(String method, String path) {
    if (method.equals("HEAD")) {
      return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    }
    if (method.equals("PUT")) {
      return "HTTP/1.1 201 Created\r\nDocker-Content-Digest: " + DIGEST
          + "\r\nContent-Length: 0\r\n\r\n";
    }
    if (path.endsWith("/missing")) {
      String error = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}";
      return "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
          + error.length() + "\r\n\r\n" + error;
    }
    return "HTTP/1.1 200 OK\r\nContent-Type: " + OCI_MANIFEST + "\r\nDocker-Content-Digest: "
        + DIGEST + "\r\nContent-Length: " + MANIFEST.length() + "\r\n\r\n" + MANIFEST;
  }
}
