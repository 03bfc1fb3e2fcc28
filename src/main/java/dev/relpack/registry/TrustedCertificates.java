package dev.relpack.registry;

import dev.relpack.error.BadInputException;
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
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Adds CA certificates ({@code --registry-ca}, {@code CI_SERVER_TLS_CA_FILE}) to the ones the JVM
 * already trusts. jib's HTTP client and the probe both use the JVM's default TLS context, so this
 * must run before anything opens a TLS connection.
 */
public final class TrustedCertificates {
  private TrustedCertificates() {}

  /** Makes the default TLS context trust the JVM's CAs plus those in {@code pemFiles}. */
  public static void trustAlso(List<Path> pemFiles) {
    if (pemFiles.isEmpty()) {
      return;
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
      SSLContext.setDefault(context);
    } catch (GeneralSecurityException | IOException e) {
      throw new dev.relpack.error.InternalException("cannot set up TLS trust: " + e.getMessage(), e);
    }
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
}
