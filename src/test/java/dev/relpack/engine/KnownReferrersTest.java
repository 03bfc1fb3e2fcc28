package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SBOM referrer a known image had attached, found only for the same image, type and date. */
class KnownReferrersTest {
  private static final String KEY = "a".repeat(64);
  private static final String CYCLONEDX = "application/vnd.cyclonedx+json";
  private static final String REFERRER = "sha256:" + "b".repeat(64);
  private static final String DATED = Instant.ofEpochSecond(1700000000).toString();

  @TempDir Path state;

  @Test
  void theSameImageTypeAndDateFindTheReferrerAndNothingElseDoes() {
    KnownReferrers referrers = new KnownReferrers(state.resolve("sbom-referrers"));
    referrers.remember(KEY, CYCLONEDX, DATED, REFERRER);

    assertEquals(Optional.of(REFERRER), referrers.find(KEY, CYCLONEDX, DATED));
    assertTrue(referrers.find("c".repeat(64), CYCLONEDX, DATED).isEmpty(), "another image");
    assertTrue(referrers.find(KEY, "application/spdx+json", DATED).isEmpty(), "another format");
    assertTrue(referrers.find(KEY, CYCLONEDX, "undated").isEmpty(), "another date");
    assertTrue(referrers.find(KEY, CYCLONEDX, Instant.EPOCH.toString()).isEmpty());
  }

  @Test
  void anEntryOthersCouldWriteOrThatIsNoDigestIsIgnored() throws Exception {
    Path dir = state.resolve("sbom-referrers");
    KnownReferrers referrers = new KnownReferrers(dir);
    referrers.remember(KEY, CYCLONEDX, DATED, REFERRER);
    Path entry;
    try (var entries = Files.list(dir)) {
      entry = entries.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
    }

    Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertTrue(referrers.find(KEY, CYCLONEDX, DATED).isEmpty(), "writable by others");

    Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(entry, "{\"referrer\":\"not a digest\"}");
    assertTrue(referrers.find(KEY, CYCLONEDX, DATED).isEmpty(), "not a digest");
  }
}
