package dev.relpack.release;

/** Text that is not a well-formed sequence of Erlang terms; the message names the line. */
public final class TermSyntaxException extends Exception {
  public TermSyntaxException(String message) {
    super(message);
  }
}
