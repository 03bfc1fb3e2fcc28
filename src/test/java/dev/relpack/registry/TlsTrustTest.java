package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a build's CA files must be. A valid file's effect on connections is {@link
 * TrustRouterTest}'s; a refused one must leave the JVM's default TLS context alone.
 */
class TlsTrustTest {
  @TempDir Path work;

  @Test
  void aTrustMakesOneSocketFactory() {
    // the JDK keeps a connection alive for the next request only if it is made with the same one
    TlsTrust trust = TlsTrust.jvm();
    assertSame(trust.socketFactory(), trust.socketFactory());
  }

  @Test
  void nothingToTrustChangesNothing() throws Exception {
    SSLContext before = SSLContext.getDefault();
    TlsTrust trust = assertDoesNotThrow(() -> TlsTrust.withExtra(List.of()));
    assertSame(before, SSLContext.getDefault());
    assertTrue(trust.own().isEmpty());
  }

  @Test
  void aMissingFileIsBadInputNamingIt() throws Exception {
    SSLContext before = SSLContext.getDefault();
    Path missing = work.resolve("ca.pem");
    BadInputException e = assertThrows(BadInputException.class,
        () -> TlsTrust.withExtra(List.of(missing)));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
    assertSame(before, SSLContext.getDefault());
  }

  @Test
  void aDirectoryIsBadInputNamingIt() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> TlsTrust.withExtra(List.of(work)));
    assertTrue(e.getMessage().contains(work.toString()), e.getMessage());
  }

  @Test
  void aFileThatHoldsNoCertificateIsBadInputNamingIt() throws Exception {
    SSLContext before = SSLContext.getDefault();
    Path text = Files.writeString(work.resolve("notes.pem"), "this is not a certificate\n");
    BadInputException e = assertThrows(BadInputException.class,
        () -> TlsTrust.withExtra(List.of(text)));
    assertTrue(e.getMessage().contains(text.toString()), e.getMessage());
    assertSame(before, SSLContext.getDefault());
  }

  @Test
  void aBrokenPemBlockIsBadInputNamingIt() throws Exception {
    Path broken = Files.writeString(work.resolve("broken.pem"),
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
    BadInputException e = assertThrows(BadInputException.class,
        () -> TlsTrust.withExtra(List.of(broken)));
    assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
  }

  @Test
  void anEmptyFileIsBadInputNamingIt() throws Exception {
    Path empty = Files.createFile(work.resolve("empty.pem"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> TlsTrust.withExtra(List.of(empty)));
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
  }
}
