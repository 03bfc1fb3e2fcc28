package dev.relpack.sbom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SerialNumberTest {
  @Test
  void isTheVersion5UuidOfRfc9562() {
    // RFC 9562's own example (appendix A.4): www.example.com in the DNS namespace
    assertEquals(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
        SerialNumber.of(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            "www.example.com".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theSameImageGetsTheSameSerialNumberAndAnotherImageAnother() {
    UUID first = SerialNumber.ofImage(SbomFixture.DIGEST);
    assertEquals(first, SerialNumber.ofImage(SbomFixture.DIGEST));
    assertNotEquals(first, SerialNumber.ofImage(SbomFixture.OTHER_DIGEST));
    assertEquals(5, first.version());
    assertEquals(2, first.variant());
  }
}
