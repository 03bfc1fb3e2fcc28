package dev.relpack.io;

import dev.relpack.error.BadInputException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * When a build says what it made was made: {@code SOURCE_DATE_EPOCH}, else GitLab's
 * {@code CI_COMMIT_TIMESTAMP}, else nothing. Never the clock, which would make every build of
 * the same commit differ. The image's created time and the SBOM's timestamp both read it.
 */
public final class SourceDate {
  private SourceDate() {}

  /**
   * @param environment the build's environment variables
   * @return the source date, when one of the two variables is set (not blank)
   * @throws BadInputException naming the variable when its value is malformed
   */
  public static Optional<Instant> of(Map<String, String> environment) {
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
