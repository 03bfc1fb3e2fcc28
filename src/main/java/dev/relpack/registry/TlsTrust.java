package dev.relpack.registry;

import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The CAs one build trusts: the JVM's, or those plus the ones in {@code --registry-ca} files and
 * {@code CI_SERVER_TLS_CA_FILE}. Each build has its own, so two builds in one JVM (a Maven
 * reactor with {@code -T 2}) with different CAs do not see each other's. relpack's own clients
 * take {@link #socketFactory()}; jib's ask the JVM's default TLS context for every connection, so
 * a build's registry threads ({@link #newThread}) carry the trust and a {@link TrustRouter},
 * installed as that default once, answers each thread with its build's.
 */
public final class TlsTrust {
  /** The build's own context; empty for the JVM's trust as it is, client keys included. */
  private final Optional<SSLContext> context;
  /**
   * Made once: the JDK keeps a connection alive for the next request only if it is made with
   * the same factory (a context makes a new one each time it is asked).
   */
  private final AtomicReference<SSLSocketFactory> factory = new AtomicReference<>();

  private TlsTrust(Optional<SSLContext> context) {
    this.context = context;
  }

  /** The JVM's trust, unchanged. */
  public static TlsTrust jvm() {
    return new TlsTrust(Optional.empty());
  }

  /**
   * The JVM's CAs plus those in {@code pemFiles}; with none, {@link #jvm()}.
   *
   * @throws BadInputException when a file is missing or holds no certificate
   */
  public static TlsTrust withExtra(List<Path> pemFiles) {
    if (pemFiles.isEmpty()) {
      return jvm();
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int alias = 0;
      for (X509Certificate ca : jvmDefaults()) {
        store.setCertificateEntry("jvm-" + alias++, ca);
      }
      for (Path file : pemFiles) {
        for (Certificate certificate : read(file)) {
          store.setCertificateEntry("extra-" + alias++, certificate);
        }
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      // only now can a thread of this build need another answer than the JVM's default
      TrustRouter.install();
      return new TlsTrust(Optional.of(context));
    } catch (GeneralSecurityException | IOException e) {
      throw new InternalException("cannot set up TLS trust: " + e.getMessage(), e);
    }
  }

  /** A socket factory that verifies servers against this trust, on any thread. */
  public SSLSocketFactory socketFactory() {
    return factory.updateAndGet(made -> made != null ? made : context().getSocketFactory());
  }

  /**
   * A thread whose TLS connections made through the JVM's default context (jib's) use this
   * trust.
   */
  public Thread newThread(Runnable task, String name) {
    return new TrustingThread(task, name, this);
  }

  /** This trust's context: the build's own, or the JVM's default as it was before the router. */
  SSLContext context() {
    return context.orElseGet(TrustRouter::jvmDefault);
  }

  /** The build's own context, when it has one; else the JVM's default is its answer. */
  Optional<SSLContext> own() {
    return context;
  }

  private static Collection<? extends Certificate> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException("CA certificate file not found: " + file);
    }
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new BadInputException(file + " holds no certificate; expected PEM (BEGIN CERTIFICATE)");
      }
      return certificates;
    } catch (IOException | GeneralSecurityException e) {
      throw new BadInputException(file + " is not a PEM or DER X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> jvmDefaults() throws GeneralSecurityException {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    List<X509Certificate> cas = new ArrayList<>();
    for (var manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        cas.addAll(List.of(x509.getAcceptedIssuers()));
      }
    }
    return cas;
  }

  /** A thread that carries its build's trust, for {@link TrustRouter} to find. */
  static final class TrustingThread extends Thread {
    private final TlsTrust trust;

    TrustingThread(Runnable task, String name, TlsTrust trust) {
      super(task, name);
      this.trust = trust;
    }

    TlsTrust trust() {
      return trust;
    }
  }
}
