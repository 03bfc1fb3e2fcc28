package dev.relpack.publish;

/** Receives what happens while an image is built, for a front end to render. */
public interface BuildListener {
  /** Overall progress, 0 to 1, and what is being worked on. */
  void progress(double fraction, String task);

  void warn(String message);

  /** Detail only shown with {@code -v}. */
  void debug(String message);
}
