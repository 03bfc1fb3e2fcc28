package dev.relpack.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A registry that attacks its client: bodies without end, a Content-Length of gigabytes,
 * answers that never come. WireMock writes whole bodies and cannot do these, so this is a few
 * lines of HTTP/1.1 over a socket, on loopback, one daemon thread per connection. What each
 * request gets is up to the test's {@link Handler}.
 */
public final class HostileRegistry implements AutoCloseable {
  private final ServerSocket server;
  private final Handler handler;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);

  /** Answers one request. */
  @FunctionalInterface
  public interface Handler {
    void answer(Request request, Answer answer) throws IOException;
  }

  /** A request: method, path with query, headers by lower-case name. */
  public record Request(String method, String path, Map<String, String> headers) {}

  private HostileRegistry(Handler handler) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.handler = handler;
    Thread acceptor = new Thread(this::accept, "hostile-registry");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static HostileRegistry start(Handler handler) {
    try {
      return new HostileRegistry(handler);
    } catch (IOException e) {
      throw new AssertionError("cannot listen on loopback", e);
    }
  }

  /** host:port, as in image references. */
  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** "METHOD path" of every request so far. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        open.put(socket, true);
        Thread connection = new Thread(() -> serve(socket), "hostile-registry-connection");
        connection.setDaemon(true);
        connection.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      for (Request request; (request = read(in)) != null; ) {
        requests.add(request.method() + " " + request.path());
        Answer answer = new Answer(out, closed);
        handler.answer(request, answer);
        out.flush();
        if (answer.closeAfter) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away, or the server was closed: both end this connection
    } finally {
      open.remove(socket);
    }
  }

  /** The next request on a connection, its body skipped; null at the end of the connection. */
  private static Request read(InputStream in) throws IOException {
    in.mark(1);
    int first = in.read();
    if (first < 'A' || first > 'Z') {
      return null; // not HTTP (a TLS handshake, say): hang up, as a plain-HTTP registry does
    }
    in.reset();
    String line = line(in);
    if (line == null || line.isEmpty()) {
      return null;
    }
    String[] parts = line.split(" ");
    Map<String, String> headers = new TreeMap<>();
    for (String header; (header = line(in)) != null && !header.isEmpty(); ) {
      int colon = header.indexOf(':');
      if (colon > 0) {
        headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            header.substring(colon + 1).trim());
      }
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (long size; (size = Long.parseLong(line(in).split(";")[0].trim(), 16)) > 0; ) {
        in.skipNBytes(size);
        line(in);
      }
      line(in);
    } else if (headers.containsKey("content-length")) {
      in.skipNBytes(Long.parseLong(headers.get("content-length")));
    }
    return new Request(parts[0], parts.length > 1 ? parts[1] : "/", headers);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1; ) {
      if (b == '\n') {
        String text = bytes.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      bytes.write(b);
    }
    return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
  }

  /** How a request is answered: whole, without end, with a length it never keeps, or never. */
  public static final class Answer {
    private final OutputStream out;
    private final CountDownLatch closed;
    private boolean closeAfter;

    Answer(OutputStream out, CountDownLatch closed) {
      this.out = out;
      this.closed = closed;
    }

    /** A complete answer; {@code headers} as "Name: value". */
    public void send(int status, String contentType, byte[] body, String... headers)
        throws IOException {
      StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
      if (contentType != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n");
      }
      for (String header : headers) {
        head.append(header).append("\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
    }

    public void send(int status, String contentType, String body, String... headers)
        throws IOException {
      send(status, contentType, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /**
     * A chunked body that starts with {@code start} and repeats {@code repeated} until the
     * client hangs up (or the server is closed).
     */
    public void endless(String contentType, String start, String repeated) throws IOException {
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: " + contentType
          + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      chunk(start.getBytes(StandardCharsets.UTF_8));
      byte[] block = repeated.repeat(Math.max(1, 64 * 1024 / repeated.length()))
          .getBytes(StandardCharsets.UTF_8);
      while (closed.getCount() > 0) {
        chunk(block);
      }
      closeAfter = true;
    }

    private void chunk(byte[] bytes) throws IOException {
      out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(bytes);
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Declares a body of {@code length} bytes and sends {@code filler} for as long as the client
     * reads.
     */
    public void declared(long length, String contentType, String filler) throws IOException {
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: "
          + length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      byte[] block = filler.repeat(Math.max(1, 64 * 1024 / filler.length()))
          .getBytes(StandardCharsets.UTF_8);
      for (long sent = 0; sent < length && closed.getCount() > 0; sent += block.length) {
        out.write(block, 0, (int) Math.min(block.length, length - sent));
      }
      closeAfter = true;
    }

    /** Never answers: holds the connection open until the server is closed. */
    public void stall() throws IOException {
      out.flush();
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeAfter = true;
    }
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket socket : open.keySet()) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
