package dev.relpack.cli;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SHA-256 by the system's NSS library (libnss3, through the JDK's own SunPKCS11 provider) when
 * the machine has it, for every digest the build takes, jib's included.
 *
 * <p>Why: the build JVM runs the C1 compiler only ({@link Relaunch}), which has no SHA-256
 * intrinsic, so the JDK's Java SHA-256 hashes about 75 MB/s there; NSS uses the CPU's SHA
 * instructions, about 1.3 GB/s on the machine the README's figures come from. A cold build hashes
 * its release about three times over (the release read, then jib's tar and blob digests).
 *
 * <p>Only {@code MessageDigest.SHA-256} is taken from NSS: TLS, signatures and random numbers stay
 * with the JDK's providers. The digest is the same function, so images and digests do not change;
 * a self-test against a known value guards against a broken library. No NSS (Alpine, a jlinked
 * runtime), any failure, or {@code RELPACK_NATIVE_SHA256=0}, and the JDK's own stays in use.
 *
 * <p>This changes the JVM's provider list, so only the command line's entry point installs it, in
 * a JVM that exists to run one build; never the Maven plugin, whose JVM is Maven's.
 */
final class NativeSha256 {
  static final String NAME = "relpack-nss-sha256";
  /** FIPS 180-2's example: SHA-256 of "abc". */
  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  private static final String NSS_CONFIG = "--name=relpack\nnssDbMode=noDb\n"
      + "attributes=compatibility\nhandleStartupErrors=ignoreMultipleInitialisation\n";

  private NativeSha256() {}

  /**
   * Installs it on a daemon thread, so the ~50 ms NSS takes to load overlap the build's start;
   * digests made before it is installed use the JDK's, which give the same bytes.
   */
  static void installInBackground(Map<String, String> env) {
    if ("0".equals(env.get("RELPACK_NATIVE_SHA256"))) {
      return;
    }
    Thread installer = new Thread(NativeSha256::install, "relpack-native-sha256");
    installer.setDaemon(true);
    installer.start();
  }

  static void install() {
    provider().ifPresent(p -> Security.insertProviderAt(p, 1));
  }

  /** Who makes this JVM's SHA-256 digests now, in words for {@code -v}. */
  static String inUse() {
    try {
      Provider provider = MessageDigest.getInstance("SHA-256").getProvider();
      return provider.getName().equals(NAME) ? "the system's NSS library (libnss3)"
          : "the JDK (" + provider.getName() + ")";
    } catch (NoSuchAlgorithmException e) {
      return "nothing: this Java runtime has no SHA-256";
    }
  }

  /** A provider of SHA-256 alone, backed by NSS, or empty when NSS is missing or wrong. */
  static Optional<Provider> provider() {
    return Loaded.PROVIDER;
  }

  /** Made once: NSS can be set up once per JVM ("Secmod module already configured"). */
  private static final class Loaded {
    static final Optional<Provider> PROVIDER = load();
  }

  private static Optional<Provider> load() {
    try {
      Provider pkcs11 = Security.getProvider("SunPKCS11");
      if (pkcs11 == null) {
        return Optional.empty();
      }
      Provider.Service nss = pkcs11.configure(NSS_CONFIG).getService("MessageDigest", "SHA-256");
      if (nss == null) {
        return Optional.empty();
      }
      Provider digestOnly = new DigestOnly(nss);
      MessageDigest test = MessageDigest.getInstance("SHA-256", digestOnly);
      String abc = HexFormat.of().formatHex(test.digest("abc".getBytes(
          java.nio.charset.StandardCharsets.US_ASCII)));
      return abc.equals(ABC) ? Optional.of(digestOnly) : Optional.empty();
    } catch (Exception | LinkageError e) {
      // no libnss3, a runtime without jdk.crypto.cryptoki, a library that will not start
      return Optional.empty();
    }
  }

  /** Offers NSS's SHA-256 and nothing else, so no other algorithm changes hands. */
  private static final class DigestOnly extends Provider {
    private static final long serialVersionUID = 1L;

    DigestOnly(Provider.Service nss) {
      super(NAME, "1", "SHA-256 from NSS");
      putService(new Service(this, "MessageDigest", "SHA-256", nss.getClassName(),
          List.of("SHA256", "2.16.840.1.101.3.4.2.1", "OID.2.16.840.1.101.3.4.2.1"), null) {
        @Override
        public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
          return nss.newInstance(parameter);
        }
      });
    }
  }
}
