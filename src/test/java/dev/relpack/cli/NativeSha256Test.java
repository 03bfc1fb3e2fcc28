package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Security;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NativeSha256Test {
  /** Where Debian and Ubuntu keep NSS; the suite's machine has it (their JDKs depend on it). */
  private static final boolean HAS_NSS =
      Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libnss3.so"))
          || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libnss3.so"));

  @Test
  void nssDigestsEqualTheJdksForEveryWayOfFeedingThem() throws Exception {
    Provider nss = NativeSha256.provider().orElseThrow(() -> new AssertionError(
        "no NSS SHA-256 on a machine with libnss3: " + HAS_NSS));
    Random random = new Random(9);
    for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
      MessageDigest native256 = MessageDigest.getInstance("SHA-256", nss);
      // in uneven pieces, and a clone taken half way, as jib's counting streams do
      for (int at = 0; at < size; at += 7 + at / 3) {
        int n = Math.min(size - at, 7 + at / 3);
        jdk.update(data, at, n);
        native256.update(data, at, n);
      }
      MessageDigest copy = (MessageDigest) native256.clone();
      assertArrayEquals(jdk.digest(), native256.digest(), "size " + size);
      assertArrayEquals(MessageDigest.getInstance("SHA-256", "SUN").digest(data), copy.digest(),
          "clone, size " + size);
    }
  }

  @Test
  void itOffersSha256AndNothingElse() {
    Provider nss = NativeSha256.provider().orElseThrow();
    Set<String> offered = nss.getServices().stream()
        .map(s -> s.getType() + "." + s.getAlgorithm()).collect(Collectors.toSet());
    assertEquals(Set.of("MessageDigest.SHA-256"), offered);
  }

  @Test
  void installedItMakesSha256AndLeavesEveryOtherAlgorithmToTheJdk() throws Exception {
    String tlsBefore = javax.net.ssl.SSLContext.getInstance("TLS").getProvider().getName();
    assertTrue(NativeSha256.inUse().startsWith("the JDK"), NativeSha256.inUse());
    NativeSha256.install();
    try {
      assertEquals(NativeSha256.NAME, MessageDigest.getInstance("SHA-256").getProvider().getName());
      assertEquals(NativeSha256.NAME, MessageDigest.getInstance("SHA256").getProvider().getName());
      assertEquals("the system's NSS library (libnss3)", NativeSha256.inUse());
      assertEquals("SUN", MessageDigest.getInstance("SHA-1").getProvider().getName());
      assertEquals("SUN", MessageDigest.getInstance("SHA-512").getProvider().getName());
      assertEquals(tlsBefore, javax.net.ssl.SSLContext.getInstance("TLS").getProvider().getName());
    } finally {
      Security.removeProvider(NativeSha256.NAME);
    }
    assertEquals("SUN", MessageDigest.getInstance("SHA-256").getProvider().getName());
  }

  @Test
  void turnedOffByItsVariableNothingIsInstalled() throws Exception {
    NativeSha256.installInBackground(Map.of("RELPACK_NATIVE_SHA256", "0"));
    // nothing was started that could install it later: the provider list is the JDK's
    assertEquals(null, Security.getProvider(NativeSha256.NAME));
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("relpack-native-sha256")));
  }
}
