package dev.relpack.error;

/** Process exit statuses, as promised by the command-line contract. */
public enum ExitCode {
  OK(0),
  FAILURE(1),
  BAD_INPUT(2),
  CHECK_FAILED(3),
  REGISTRY(4);

  private final int status;

  ExitCode(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }
}
