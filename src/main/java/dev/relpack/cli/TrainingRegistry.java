package dev.relpack.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The registry the package-time training build ({@link ArchiveTraining}) pushes to and pulls
 * from, so the JVM class-data archive holds the classes of a push and a pull too: the part of
 * the distribution API a build uses (blobs, chunked and mounted uploads, manifests by tag and
 * digest), in memory, on a loopback port, for the few seconds the training lasts. It is never
 * used by a build a user runs, and the tests never stand it in for a registry: they use the real
 * one. It answers 404 to the referrers API, as registries without it do. relpack first tries
 * HTTPS on a registry; a real HTTP-only one answers the handshake with an error, where the JDK's
 * HTTP server would wait for a request line, so a front port closes connections that begin with
 * a TLS handshake and passes the others through.
 */
final class TrainingRegistry implements AutoCloseable {
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
  private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
  private final HttpServer server;
  private final ServerSocket front;
  private final ExecutorService threads = Executors.newCachedThreadPool(daemon());

  private record Manifest(String type, byte[] body, String digest) {}

  private TrainingRegistry(HttpServer server, ServerSocket front) {
    this.server = server;
    this.front = front;
  }

  /** Listening on a free loopback port until closed. */
  static TrainingRegistry start() throws IOException {
    InetAddress loopback = InetAddress.getByName("127.0.0.1"); // the address builds are given
    HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    TrainingRegistry registry = new TrainingRegistry(server, new ServerSocket(0, 50, loopback));
    server.createContext("/v2/", registry::handle);
    server.setExecutor(registry.threads);
    server.start();
    registry.threads.execute(registry::accept);
    return registry;
  }

  /** {@code 127.0.0.1:PORT}, a registry relpack reaches over plain HTTP (loopback). */
  String address() {
    return "127.0.0.1:" + front.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    front.close();
    server.stop(0);
    threads.shutdownNow();
  }

  private void accept() {
    while (!front.isClosed()) {
      try {
        Socket client = front.accept();
        threads.execute(() -> pass(client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** A TLS handshake (its first byte 0x16) is closed at once; HTTP goes to the server. */
  private void pass(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      int first = in.read();
      if (first < 0 || first == 0x16) {
        return;
      }
      try (Socket inner = new Socket(front.getInetAddress(), server.getAddress().getPort())) {
        OutputStream toInner = inner.getOutputStream();
        toInner.write(first);
        threads.execute(() -> copy(in, toInner, inner));
        inner.getInputStream().transferTo(client.getOutputStream());
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static void copy(InputStream in, OutputStream out, Socket inner) {
    try {
      in.transferTo(out);
      inner.shutdownOutput();
    } catch (IOException e) {
      // either side closed
    }
  }

  private static ThreadFactory daemon() {
    return runnable -> {
      Thread thread = new Thread(runnable, "training-registry");
      thread.setDaemon(true);
      return thread;
    };
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      URI uri = exchange.getRequestURI();
      String path = uri.getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/v2/")) {
        reply(exchange, 200, "{}".getBytes(StandardCharsets.UTF_8), "application/json");
      } else if (path.contains("/blobs/uploads/")) {
        upload(exchange, method, path, query(uri, "digest"), query(uri, "mount"), body);
      } else if (path.contains("/blobs/")) {
        blob(exchange, method, after(path, "/blobs/"));
      } else if (path.contains("/manifests/")) {
        manifest(exchange, method, path, body);
      } else {
        reply(exchange, 404, new byte[0], "application/json");
      }
    }
  }

  private void upload(HttpExchange exchange, String method, String path, String digest,
      String mount, byte[] body) throws IOException {
    String name = path.substring("/v2/".length(), path.indexOf("/blobs/uploads/"));
    String id = after(path, "/blobs/uploads/");
    if (method.equals("POST") && mount != null && blobs.containsKey(mount)) {
      exchange.getResponseHeaders().set("Location", "/v2/" + name + "/blobs/" + mount);
      reply(exchange, 201, new byte[0], null);
    } else if (method.equals("POST")) {
      String session = UUID.randomUUID().toString();
      uploads.put(session, new ByteArrayOutputStream());
      exchange.getResponseHeaders().set("Location", "/v2/" + name + "/blobs/uploads/" + session);
      exchange.getResponseHeaders().set("Range", "0-0");
      reply(exchange, 202, new byte[0], null);
    } else if (method.equals("DELETE")) {
      uploads.remove(id);
      reply(exchange, 204, new byte[0], null);
    } else {
      ByteArrayOutputStream received = uploads.get(id);
      if (received == null) {
        reply(exchange, 404, new byte[0], null);
        return;
      }
      received.write(body);
      if (method.equals("PUT")) {
        uploads.remove(id);
        blobs.put(digest, received.toByteArray());
        exchange.getResponseHeaders().set("Location", "/v2/" + name + "/blobs/" + digest);
        exchange.getResponseHeaders().set("Docker-Content-Digest", digest);
        reply(exchange, 201, new byte[0], null);
      } else {
        exchange.getResponseHeaders().set("Location", "/v2/" + name + "/blobs/uploads/" + id);
        exchange.getResponseHeaders().set("Range", "0-" + Math.max(0, received.size() - 1));
        reply(exchange, 202, new byte[0], null);
      }
    }
  }

  private void blob(HttpExchange exchange, String method, String digest) throws IOException {
    byte[] blob = blobs.get(digest);
    if (blob == null) {
      reply(exchange, 404, new byte[0], "application/json");
      return;
    }
    exchange.getResponseHeaders().set("Docker-Content-Digest", digest);
    replyOrHead(exchange, method, blob, "application/octet-stream");
  }

  private void manifest(HttpExchange exchange, String method, String path, byte[] body)
      throws IOException {
    String name = path.substring("/v2/".length(), path.indexOf("/manifests/"));
    String reference = after(path, "/manifests/");
    if (method.equals("PUT")) {
      String digest = sha256(body);
      Manifest stored = new Manifest(
          exchange.getRequestHeaders().getFirst("Content-Type"), body, digest);
      manifests.put(name + "@" + digest, stored);
      manifests.put(name + ":" + reference, stored);
      exchange.getResponseHeaders().set("Docker-Content-Digest", digest);
      exchange.getResponseHeaders().set("Location", "/v2/" + name + "/manifests/" + digest);
      reply(exchange, 201, new byte[0], null);
      return;
    }
    Manifest stored = manifests.get(name + (reference.startsWith("sha256:") ? "@" : ":")
        + reference);
    if (stored == null) {
      reply(exchange, 404, new byte[0], "application/json");
      return;
    }
    exchange.getResponseHeaders().set("Docker-Content-Digest", stored.digest());
    replyOrHead(exchange, method, stored.body(), stored.type());
  }

  private static void replyOrHead(HttpExchange exchange, String method, byte[] body, String type)
      throws IOException {
    if (method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
      exchange.sendResponseHeaders(200, -1);
    } else {
      reply(exchange, 200, body, type);
    }
  }

  private static void reply(HttpExchange exchange, int status, byte[] body, String type)
      throws IOException {
    if (type != null) {
      exchange.getResponseHeaders().set("Content-Type", type);
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static String after(String path, String marker) {
    return path.substring(path.indexOf(marker) + marker.length());
  }

  private static String query(URI uri, String key) {
    String query = uri.getQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(key + "=")) {
        return pair.substring(key.length() + 1);
      }
    }
    return null;
  }

  private static String sha256(byte[] body) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
