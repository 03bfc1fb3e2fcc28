package dev.relpack.error;

import java.util.List;

/**
 * The release would not start on the chosen base.
 *
 * @see #details()
 */
public final class CheckFailedException extends RelpackException {
  private final List<String> details;
  private final boolean machineCouldProvide;

  public CheckFailedException(String message) {
    this(message, List.of(), false);
  }

  /**
   * @param details one line per problem, each a whole sentence: every problem is told at once,
   *     so a user fixes the base in one go
   * @param machineCouldProvide whether a base made of this machine's files is another way out
   *     (the base checked was not one)
   */
  public CheckFailedException(String message, List<String> details, boolean machineCouldProvide) {
    super(message, null);
    this.details = List.copyOf(details);
    this.machineCouldProvide = machineCouldProvide;
  }

  public List<String> details() {
    return details;
  }

  public boolean machineCouldProvide() {
    return machineCouldProvide;
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.CHECK_FAILED;
  }
}
