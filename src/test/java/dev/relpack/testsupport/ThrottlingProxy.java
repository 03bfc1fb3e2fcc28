package dev.relpack.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that passes what clients send to a server at no more than a set rate,
 * shared by all connections (TLS passes through untouched). It makes an upload take as long as
 * a test needs, the way a slow link does, without touching relpack or the registry; answers come
 * back unthrottled.
 */
public final class ThrottlingProxy implements AutoCloseable {
  private static final int CHUNK = 8 * 1024;
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final long bytesPerSecond;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong uploaded = new AtomicLong();
  // when the link is free again, in System.nanoTime()
  private long nextFree = System.nanoTime();
  private volatile String stalled;

  private ThrottlingProxy(ServerSocket listener, InetSocketAddress target, long bytesPerSecond) {
    this.listener = listener;
    this.target = target;
    this.bytesPerSecond = bytesPerSecond;
  }

  /**
   * Listens on a free loopback port and forwards to the port of {@code address} (a loopback
   * server's {@code host:port}, as the test servers give it) on loopback.
   */
  public static ThrottlingProxy inFrontOf(String address, long bytesPerSecond) {
    int targetPort = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    try {
      ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      ThrottlingProxy proxy = new ThrottlingProxy(listener,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), bytesPerSecond);
      daemon("proxy-accept", proxy::accept);
      return proxy;
    } catch (IOException e) {
      throw new AssertionError("cannot start the proxy", e);
    }
  }

  /** host:port to connect to instead of the server. */
  public String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /**
   * From now on, holds back every request whose first line starts with {@code prefix} (such as
   * {@code "HEAD /v2/app/manifests/"}): the server never sees it and the client waits for an
   * answer, as from a registry that stalls on it. Requests already passed are not affected.
   */
  public void stall(String prefix) {
    stalled = prefix;
  }

  /** Bytes passed from clients to the server so far. */
  public long uploaded() {
    return uploaded.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        server.connect(target, 5000);
        sockets.add(client);
        sockets.add(server);
        daemon("proxy-up", () -> pump(client, server, true));
        daemon("proxy-down", () -> pump(server, client, false));
      } catch (IOException e) {
        // closed, or one connection failed: the client sees its socket closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean throttled) {
    byte[] buffer = new byte[CHUNK];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        String prefix = stalled;
        if (throttled && prefix != null && new String(buffer, 0, n,
            java.nio.charset.StandardCharsets.ISO_8859_1).startsWith(prefix)) {
          while (in.read(buffer) >= 0) {
            // held back: the request goes nowhere and the client waits until it gives up
          }
          return;
        }
        if (throttled) {
          waitForLink(n);
          uploaded.addAndGet(n);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the other side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Blocks until the link, at its rate, has room for {@code bytes} more. */
  private void waitForLink(int bytes) throws IOException {
    long until;
    synchronized (this) {
      long start = Math.max(nextFree, System.nanoTime());
      nextFree = start + TimeUnit.SECONDS.toNanos(bytes) / bytesPerSecond;
      until = nextFree;
    }
    long left = until - System.nanoTime();
    if (left > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
  }

  private static void daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    sockets.forEach(ThrottlingProxy::closeQuietly);
  }
}
