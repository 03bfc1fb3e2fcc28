package dev.relpack.error;

/** The release would not start on the chosen base. */
public final class CheckFailedException extends RelpackException {
  public CheckFailedException(String message) {
    super(message, null);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.CHECK_FAILED;
  }
}
