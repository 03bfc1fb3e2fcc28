package dev.relpack.cli;

import dev.relpack.io.Printable;
import java.io.PrintStream;
import java.util.Locale;

/** Steps as lines, plus a progress bar redrawn in place on the last line of a terminal. */
final class TerminalReporter extends PlainReporter {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000;
  private final PrintStream err;
  private String bar = "";
  private long drawn;

  TerminalReporter(PrintStream err, boolean verbose) {
    super(err, true, verbose);
    this.err = err;
  }

  @Override
  public synchronized void progress(double fraction, String task) {
    long now = System.nanoTime();
    if (now - drawn < REDRAW_NANOS && fraction < 1) {
      return; // at most ten redraws a second
    }
    drawn = now;
    int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
    String text = String.format(Locale.ROOT, "[%s%s] %3.0f%% %s", "=".repeat(filled),
        " ".repeat(WIDTH - filled), fraction * 100, Printable.of(task));
    text = text.length() > 100 ? text.substring(0, 100) : text;
    err.print("\r" + text + " ".repeat(Math.max(0, bar.length() - text.length())));
    err.flush();
    bar = text;
  }

  @Override
  protected synchronized void line(String text) {
    clear();
    super.line(text);
  }

  /** Removes the bar, so what comes next starts on a clean line. */
  synchronized void clear() {
    if (!bar.isEmpty()) {
      err.print("\r" + " ".repeat(bar.length()) + "\r");
      err.flush();
      bar = "";
    }
  }
}
