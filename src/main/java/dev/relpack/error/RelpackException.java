package dev.relpack.error;

/**
 * A failure relpack understands: its message is one line a user can act on, and it maps to one
 * exit status. Raised where the problem is found, reported once at the edge (cli, maven).
 */
public abstract sealed class RelpackException extends RuntimeException
    permits BadInputException, CheckFailedException, RegistryException, InternalException {

  protected RelpackException(String message, Throwable cause) {
    super(message, cause);
  }

  public abstract ExitCode exitCode();
}
