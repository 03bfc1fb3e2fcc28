package dev.relpack.error;

/** A registry or the network failed, after retries. */
public final class RegistryException extends RelpackException {
  public RegistryException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.REGISTRY;
  }
}
