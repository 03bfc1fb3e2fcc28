package dev.relpack.error;

/** Bad usage or bad input: a release, reference, option or file the user can fix. */
public final class BadInputException extends RelpackException {
  public BadInputException(String message) {
    super(message, null);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.BAD_INPUT;
  }
}
