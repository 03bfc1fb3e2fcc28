package dev.relpack.cli;

import dev.relpack.io.CountingDigest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SHA-256 by the system's NSS library (libnss3, through the JDK's own SunPKCS11 provider) when
 * the machine has it and the build hashes enough to pay for loading it, for every digest the
 * build takes, jib's included.
 *
 * <p>Why: the build JVM runs the C1 compiler only ({@link Relaunch}), which has no SHA-256
 * intrinsic, so the JDK's Java SHA-256 hashes about 75 MB/s there; NSS uses the CPU's SHA
 * instructions, about 1.3 GB/s on the machine the README's figures come from. A cold build hashes
 * its release about three times over (the release read, then jib's tar and blob digests).
 *
 * <p>Loading NSS costs about 60 ms of CPU, which a warm build, hashing little, would pay for
 * nothing. So the provider installed first ({@link Switching}) hands out the JDK's digests and
 * counts their bytes; once {@link #LOAD_AFTER_BYTES} have been hashed it loads NSS on a daemon
 * thread, and digests made after that come from NSS. The digest is the same function either way,
 * so images and digests do not change; a self-test against a known value guards against a broken
 * library.
 *
 * <p>Only {@code MessageDigest.SHA-256} is provided: every other algorithm stays with the JDK's
 * providers (SHA-256 taken inside TLS or a signature comes from here too, with the same bytes). No NSS (Alpine, a jlinked runtime), any failure, or
 * {@code RELPACK_NATIVE_SHA256=0}, and the JDK's own is used.
 *
 * <p>This changes the JVM's provider list, so only the command line's entry point installs it, in
 * a JVM that exists to run one build; never the Maven plugin, whose JVM is Maven's (its C2
 * compiler has the SHA intrinsic).
 */
final class NativeSha256 {
  static final String NAME = "relpack-sha256";
  /**
   * Set by the launcher for a build whose cache has never built (a cold one, a CI job's): NSS is
   * then loaded as the JVM starts, so that the long digests such a build starts early (the
   * release tarball's, the base's layers') come from it. A digest keeps the implementation it
   * was made with, and those made before 1 MiB was hashed were the JDK's: 0.1-0.25 s of one
   * core per cold build (JFR).
   */
  static final String LOAD_AT_START = "relpack.sha256.loadAtStart";
  /** About 13 ms of the JDK's hashing here: more than a warm build hashes, little of a cold one. */
  static final long LOAD_AFTER_BYTES = 1 << 20;
  /** FIPS 180-2's example: SHA-256 of "abc". */
  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  private static final String NSS_CONFIG = "--name=relpack\nnssDbMode=noDb\n"
      + "attributes=compatibility\nhandleStartupErrors=ignoreMultipleInitialisation\n";

  private NativeSha256() {}

  /**
   * Puts the switching provider first, unless {@code RELPACK_NATIVE_SHA256=0}, on a daemon thread:
   * inserting a provider loads every provider the JDK lists (EC, RSA, smart cards...; about 30 ms
   * here), which a build that asks for SHA-256 alone never does. Digests asked for before it is
   * in place are the JDK's, and not counted.
   */
  static void installInBackground(Map<String, String> env) {
    if (!"0".equals(env.get("RELPACK_NATIVE_SHA256"))) {
      boolean now = Boolean.getBoolean(LOAD_AT_START);
      Thread installer = new Thread(() -> install(env, now), "relpack-sha256-provider");
      installer.setDaemon(true);
      installer.start();
    }
  }

  /** Puts the switching provider first, unless {@code RELPACK_NATIVE_SHA256=0}. */
  static void install(Map<String, String> env) {
    install(env, false);
  }

  /** @param now whether to load NSS at once, not after 1 MiB ({@link #LOAD_AT_START}) */
  static void install(Map<String, String> env, boolean now) {
    if (!"0".equals(env.get("RELPACK_NATIVE_SHA256"))) {
      Switching switching = new Switching(now ? 0 : LOAD_AFTER_BYTES);
      Security.insertProviderAt(switching, 1);
      if (now) {
        switching.counted(0);
      }
    }
  }

  /** Who makes this JVM's SHA-256 digests now, and how much they hashed, in words for -v. */
  static String inUse() {
    try {
      Provider provider = MessageDigest.getInstance("SHA-256").getProvider();
      if (provider instanceof Switching switching) {
        return switching.describe();
      }
      return "by the JDK (" + provider.getName() + ")";
    } catch (NoSuchAlgorithmException e) {
      return "none: this Java runtime has no SHA-256";
    }
  }

  /** NSS's SHA-256 service, or empty when NSS is missing or wrong. */
  static Optional<Provider.Service> nss() {
    return Loaded.SERVICE;
  }

  /** Made once: NSS can be set up once per JVM ("Secmod module already configured"). */
  private static final class Loaded {
    static final Optional<Provider.Service> SERVICE = load();
  }

  private static Optional<Provider.Service> load() {
    try {
      Provider pkcs11 = Security.getProvider("SunPKCS11");
      if (pkcs11 == null) {
        return Optional.empty();
      }
      Provider.Service nss = pkcs11.configure(NSS_CONFIG).getService("MessageDigest", "SHA-256");
      if (nss == null) {
        return Optional.empty();
      }
      MessageDigest test = MessageDigest.getInstance("SHA-256", nss.getProvider());
      String abc = HexFormat.of().formatHex(test.digest("abc".getBytes(StandardCharsets.US_ASCII)));
      return abc.equals(ABC) ? Optional.of(nss) : Optional.empty();
    } catch (Exception | LinkageError e) {
      // no libnss3, a runtime without jdk.crypto.cryptoki, a library that will not start
      return Optional.empty();
    }
  }

  /**
   * Offers SHA-256 and nothing else: the JDK's until enough was hashed to load NSS, NSS's once it
   * is loaded.
   */
  static final class Switching extends Provider {
    private static final long serialVersionUID = 1L;
    private final transient AtomicLong hashed = new AtomicLong();
    private final transient AtomicBoolean loading = new AtomicBoolean();
    private final long loadAfter;
    private transient volatile Provider.Service nss;
    /** Whether loading NSS was tried and failed. */
    private transient volatile boolean unavailable;

    Switching(long loadAfter) {
      super(NAME, "1", "SHA-256: the JDK's, then the system's NSS once a build hashes enough");
      this.loadAfter = loadAfter;
      putService(new Service(this, "MessageDigest", "SHA-256", CountingDigest.class.getName(),
          List.of("SHA256", "2.16.840.1.101.3.4.2.1", "OID.2.16.840.1.101.3.4.2.1"), null) {
        @Override
        public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
          return new CountingDigest(current(), Switching.this::counted);
        }
      });
    }

    /** Whether digests come from NSS now. */
    boolean native256() {
      return nss != null;
    }

    private MessageDigest current() throws NoSuchAlgorithmException {
      Provider.Service loaded = nss;
      if (loaded != null) {
        return MessageDigest.getInstance("SHA-256", loaded.getProvider());
      }
      try {
        return MessageDigest.getInstance("SHA-256", "SUN");
      } catch (java.security.NoSuchProviderException e) {
        // JCA then asks the next provider: this runtime's own SHA-256, whoever makes it
        throw new NoSuchAlgorithmException("this Java runtime has no SUN provider", e);
      }
    }

    void counted(long bytes) {
      if (hashed.addAndGet(bytes) >= loadAfter && nss == null && loading.compareAndSet(false, true)) {
        Thread loader = new Thread(() -> {
          Optional<Provider.Service> loaded = nss();
          loaded.ifPresent(service -> nss = service);
          unavailable = loaded.isEmpty();
        }, "relpack-native-sha256");
        loader.setDaemon(true);
        loader.start();
      }
    }

    /** Waits until a load already started has ended; for tests. */
    void awaitLoad() {
      if (loading.get() && nss().isPresent()) {
        while (nss == null) {
          Thread.onSpinWait();
        }
      }
    }

    String describe() {
      String amount = String.format(java.util.Locale.ROOT, "%.1f MB", hashed.get() / 1e6);
      String since = loadAfter == 0 ? "from the start"
          : "after the first " + loadAfter / (1 << 20) + " MiB";
      return amount + " hashed, " + (native256() ? "by the system's NSS library (libnss3) " + since
          : unavailable ? "by the JDK (NSS is not available here)"
          : loading.get() ? "by the JDK (NSS was still loading)"
          : "by the JDK (too little to load NSS for)");
    }
  }
}
