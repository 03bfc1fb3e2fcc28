package dev.relpack.registry;

import dev.relpack.error.InternalException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The JVM's default TLS context while builds with CAs of their own run: it answers a thread of
 * such a build ({@link TlsTrust.TrustingThread}) with that build's trust, and every other thread
 * with the default it replaced. jib's HTTP client asks the default for every connection it
 * makes, on the build's threads; so each build's pushes and pulls verify with its own CAs.
 * The choice is made when a socket or engine is made, not when a factory is asked for, so a
 * client that keeps the default's factory ({@code HttpsURLConnection} does) still gets it right.
 * The router is found again as the default itself: nothing else in the JVM holds it.
 */
final class TrustRouter extends SSLContext {
  /**
   * Guards the JVM's default TLS context, which is global: two builds starting together must
   * install one router, not wrap one in the other.
   */
  private static final Object INSTALLING = new Object();

  private final SSLContext replaced;

  private TrustRouter(Choice choice) {
    super(new Routing(choice), choice.replaced().getProvider(), choice.replaced().getProtocol());
    this.replaced = choice.replaced();
  }

  /** Makes a router the JVM's default TLS context, unless one already is. */
  static void install() {
    synchronized (INSTALLING) {
      SSLContext current = defaultContext();
      if (!(current instanceof TrustRouter)) {
        SSLContext.setDefault(new TrustRouter(new Choice(current)));
      }
    }
  }

  /** The JVM's default TLS context as it was before any router: what unbound threads get. */
  static SSLContext jvmDefault() {
    SSLContext current = defaultContext();
    return current instanceof TrustRouter router ? router.replaced : current;
  }

  private static SSLContext defaultContext() {
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new InternalException("this Java runtime has no TLS: " + e.getMessage(), e);
    }
  }

  /** Which context answers the calling thread. */
  private record Choice(SSLContext replaced) {
    SSLContext current() {
      return Thread.currentThread() instanceof TlsTrust.TrustingThread thread
          ? thread.trust().own().orElse(replaced) : replaced;
    }
  }

  /** Every call goes to the calling thread's context. */
  private static final class Routing extends SSLContextSpi {
    private final Choice choice;
    private final SSLSocketFactory sockets;

    Routing(Choice choice) {
      this.choice = choice;
      this.sockets = new RoutingSocketFactory(choice);
    }

    @Override
    protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random)
        throws KeyManagementException {
      throw new KeyManagementException("the default TLS context is already initialized");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return sockets;
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return choice.replaced().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return choice.current().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return choice.current().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return choice.replaced().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return choice.current().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return choice.current().getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return choice.current().getSupportedSSLParameters();
    }
  }

  /** Makes each socket with the calling thread's context. */
  private static final class RoutingSocketFactory extends SSLSocketFactory {
    private final Choice choice;

    RoutingSocketFactory(Choice choice) {
      this.choice = choice;
    }

    private SSLSocketFactory current() {
      return choice.current().getSocketFactory();
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return current().getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return current().getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return current().createSocket();
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose)
        throws IOException {
      return current().createSocket(socket, host, port, autoClose);
    }

    @Override
    public Socket createSocket(Socket socket, InputStream consumed, boolean autoClose)
        throws IOException {
      return current().createSocket(socket, consumed, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return current().createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return current().createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return current().createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
        int localPort) throws IOException {
      return current().createSocket(address, port, localAddress, localPort);
    }
  }
}
