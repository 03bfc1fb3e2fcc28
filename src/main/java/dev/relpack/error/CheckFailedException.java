package dev.relpack.error;

import java.util.List;

/**
 * The release would not start on the chosen base.
 *
 * @see #details()
 */
public final class CheckFailedException extends RelpackException {
  private final List<String> details;

  public CheckFailedException(String message) {
    this(message, List.of());
  }

  /**
   * @param details one line per problem, each a whole sentence: every problem is told at once,
   *     so a user fixes the base in one go
   */
  public CheckFailedException(String message, List<String> details) {
    super(message, null);
    this.details = List.copyOf(details);
  }

  public List<String> details() {
    return details;
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.CHECK_FAILED;
  }
}
