package dev.relpack.cli;

import dev.relpack.engine.Reporter;
import dev.relpack.image.LayerResult;
import dev.relpack.io.Printable;
import dev.relpack.report.BuildText;
import java.io.PrintStream;

/**
 * One line per step and per layer, for CI logs and pipes (a job log shows what took the time);
 * details only with {@code -v}.
 */
class PlainReporter implements Reporter {
  private final PrintStream err;
  private final boolean steps;
  private final boolean verbose;

  PlainReporter(PrintStream err, boolean steps, boolean verbose) {
    this.err = err;
    this.steps = steps;
    this.verbose = verbose;
  }

  @Override
  public void step(String message) {
    if (steps) {
      line(message);
    }
  }

  @Override
  public void progress(double fraction, String task) {}

  @Override
  public void layerDone(LayerResult layer) {
    if (steps) {
      line("  " + BuildText.layerLine(layer));
    }
  }

  @Override
  public void warn(String message) {
    line("warning: " + message);
  }

  @Override
  public void debug(String message) {
    if (verbose) {
      line("  " + message);
    }
  }

  /** Writes a whole line at once (jib reports from several threads). */
  protected synchronized void line(String text) {
    // release, base and registry text is untrusted; inputs are named as options
    err.println(Printable.line(CliWording.of(text)));
    err.flush();
  }
}
