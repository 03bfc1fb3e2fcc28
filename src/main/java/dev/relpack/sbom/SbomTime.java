package dev.relpack.sbom;

import dev.relpack.error.BadInputException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * When a document says it was made: {@code SOURCE_DATE_EPOCH}, else GitLab's
 * {@code CI_COMMIT_TIMESTAMP}, else nothing. Never the clock, which would make every document
 * of the same image differ. The image's created time reads the same variables the same way.
 */
final class SbomTime {
  private SbomTime() {}

  static Optional<Instant> of(Map<String, String> environment) {
    Optional<String> epoch = set("SOURCE_DATE_EPOCH", environment);
    if (epoch.isPresent()) {
      try {
        return Optional.of(Instant.ofEpochSecond(Long.parseLong(epoch.get().trim())));
      } catch (NumberFormatException | DateTimeException e) {
        throw new BadInputException("SOURCE_DATE_EPOCH=" + epoch.get()
            + " is not a number of seconds");
      }
    }
    Optional<String> commit = set("CI_COMMIT_TIMESTAMP", environment);
    if (commit.isPresent()) {
      try {
        return Optional.of(OffsetDateTime.parse(commit.get().trim()).toInstant());
      } catch (DateTimeParseException e) {
        throw new BadInputException("CI_COMMIT_TIMESTAMP=" + commit.get()
            + " is not an ISO 8601 date-time");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> set(String name, Map<String, String> environment) {
    return Optional.ofNullable(environment.get(name)).filter(v -> !v.isBlank());
  }
}
