package dev.relpack.error;

/** Anything else: a local I/O failure or a bug. */
public final class InternalException extends RelpackException {
  public InternalException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.FAILURE;
  }
}
