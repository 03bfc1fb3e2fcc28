package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SourceDateTest {
  @Test
  void noSourceDateIsNoTimestampNeverTheClock() {
    assertEquals(Optional.empty(), SourceDate.of(Map.of()));
    assertEquals(Optional.empty(), SourceDate.of(Map.of("SOURCE_DATE_EPOCH", " ")));
  }

  @Test
  void sourceDateEpochBeforeTheCommitTime() {
    assertEquals(Optional.of(Instant.parse("2024-01-01T00:00:00Z")),
        SourceDate.of(Map.of("SOURCE_DATE_EPOCH", "1704067200",
            "CI_COMMIT_TIMESTAMP", "2025-05-05T10:00:00+02:00")));
    assertEquals(Optional.of(Instant.parse("2025-05-05T08:00:00Z")),
        SourceDate.of(Map.of("CI_COMMIT_TIMESTAMP", "2025-05-05T10:00:00+02:00")));
  }

  @Test
  void aMalformedDateIsBadInputNamingTheVariable() {
    assertEquals("SOURCE_DATE_EPOCH=yesterday is not a number of seconds",
        assertThrows(BadInputException.class,
            () -> SourceDate.of(Map.of("SOURCE_DATE_EPOCH", "yesterday"))).getMessage());
    assertEquals("CI_COMMIT_TIMESTAMP=May 5 is not an ISO 8601 date-time",
        assertThrows(BadInputException.class,
            () -> SourceDate.of(Map.of("CI_COMMIT_TIMESTAMP", "May 5"))).getMessage());
  }
}
