package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.security.Provider;
import java.security.Security;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The suite's machine has NSS: Debian's and Ubuntu's JDK packages depend on libnss3. */
class NativeSha256Test {
  @AfterEach
  void jdkProvidersAgain() {
    Security.removeProvider(NativeSha256.NAME);
  }

  @Test
  void nssDigestsEqualTheJdksForEveryWayOfFeedingThem() throws Exception {
    Provider nss = NativeSha256.nss().orElseThrow(() -> new AssertionError("no NSS SHA-256"))
        .getProvider();
    Random random = new Random(9);
    for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
      MessageDigest native256 = MessageDigest.getInstance("SHA-256", nss);
      feedUnevenly(data, jdk, native256);
      MessageDigest copy = (MessageDigest) native256.clone();
      assertArrayEquals(jdk.digest(), native256.digest(), "size " + size);
      assertArrayEquals(MessageDigest.getInstance("SHA-256", "SUN").digest(data), copy.digest(),
          "clone, size " + size);
    }
  }

  @Test
  void theJdksDigestsUntilEnoughIsHashedThenNssesWithTheSameBytes() throws Exception {
    NativeSha256.Switching switching = new NativeSha256.Switching(1000);
    Security.insertProviderAt(switching, 1);
    byte[] data = new byte[999];
    new Random(1).nextBytes(data);
    MessageDigest first = MessageDigest.getInstance("SHA-256");
    assertEquals(NativeSha256.NAME, first.getProvider().getName());
    byte[] before = first.digest(data);
    assertFalse(switching.native256(), "999 bytes do not load NSS");
    assertTrue(NativeSha256.inUse().endsWith("by the JDK (too little to load NSS for)"),
        NativeSha256.inUse());

    MessageDigest second = MessageDigest.getInstance("SHA-256");
    second.update((byte) 7); // the 1000th byte: NSS is loaded on another thread
    switching.awaitLoad();
    assertTrue(switching.native256());
    byte[] withSeven = second.digest();
    byte[] after = MessageDigest.getInstance("SHA256").digest(data);

    assertArrayEquals(MessageDigest.getInstance("SHA-256", "SUN").digest(data), before);
    assertArrayEquals(before, after, "NSS gives the JDK's bytes");
    assertArrayEquals(MessageDigest.getInstance("SHA-256", "SUN").digest(new byte[] {7}),
        withSeven, "a digest begun on the JDK's ends on it");
    assertTrue(NativeSha256.inUse().startsWith("0.0 MB hashed, by the system's NSS library"),
        NativeSha256.inUse());
  }

  @Test
  void askedToLoadAtOnceItHasNssBeforeAnythingIsHashed() throws Exception {
    NativeSha256.install(Map.of(), true);
    NativeSha256.Switching switching =
        (NativeSha256.Switching) Security.getProvider(NativeSha256.NAME);
    switching.awaitLoad();
    assertTrue(switching.native256());
    byte[] data = "abc".getBytes();
    assertArrayEquals(MessageDigest.getInstance("SHA-256", "SUN").digest(data),
        MessageDigest.getInstance("SHA-256").digest(data));
    assertTrue(NativeSha256.inUse().endsWith(
        "by the system's NSS library (libnss3) from the start"), NativeSha256.inUse());
  }

  @Test
  void itOffersSha256AndLeavesEveryOtherAlgorithmToTheJdk() throws Exception {
    String tlsBefore = javax.net.ssl.SSLContext.getInstance("TLS").getProvider().getName();
    NativeSha256.install(Map.of());
    Provider installed = Security.getProvider(NativeSha256.NAME);
    Set<String> offered = installed.getServices().stream()
        .map(s -> s.getType() + "." + s.getAlgorithm()).collect(Collectors.toSet());
    assertEquals(Set.of("MessageDigest.SHA-256"), offered);
    assertEquals(NativeSha256.NAME, MessageDigest.getInstance("SHA-256").getProvider().getName());
    assertEquals("SUN", MessageDigest.getInstance("SHA-1").getProvider().getName());
    assertEquals("SUN", MessageDigest.getInstance("SHA-512").getProvider().getName());
    assertEquals(tlsBefore, javax.net.ssl.SSLContext.getInstance("TLS").getProvider().getName());
  }

  @Test
  void turnedOffByItsVariableTheJdksProvidersStay() throws Exception {
    NativeSha256.install(Map.of("RELPACK_NATIVE_SHA256", "0"));
    NativeSha256.installInBackground(Map.of("RELPACK_NATIVE_SHA256", "0"));
    // nothing was started that could install it later
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("relpack-sha256-provider")));
    assertNull(Security.getProvider(NativeSha256.NAME));
    assertEquals("by the JDK (SUN)", NativeSha256.inUse());
  }

  private static void feedUnevenly(byte[] data, MessageDigest... digests) {
    // in uneven pieces, as jib's counting streams and tar readers do
    for (int at = 0; at < data.length; at += 7 + at / 3) {
      int n = Math.min(data.length - at, 7 + at / 3);
      for (MessageDigest digest : digests) {
        digest.update(data, at, n);
      }
    }
  }
}
