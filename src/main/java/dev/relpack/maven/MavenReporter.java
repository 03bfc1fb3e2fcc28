package dev.relpack.maven;

import dev.relpack.engine.Reporter;
import dev.relpack.image.LayerResult;
import dev.relpack.io.Printable;
import dev.relpack.report.BuildText;
import org.apache.maven.plugin.logging.Log;

/**
 * relpack's steps through Maven's log: steps and layers at info, warnings at warn, details at debug (shown
 * with {@code mvn -X}). No progress bar: Maven's log is a log.
 */
final class MavenReporter implements Reporter {
  private final Log log;

  MavenReporter(Log log) {
    this.log = log;
  }

  @Override
  public void step(String message) {
    log.info(Printable.line(MavenWording.of(message)));
  }

  @Override
  public void progress(double fraction, String task) {}

  @Override
  public void layerDone(LayerResult layer) {
    log.info(Printable.line("  " + BuildText.layerLine(layer)));
  }

  @Override
  public void warn(String message) {
    log.warn(Printable.line(MavenWording.of(message)));
  }

  @Override
  public void debug(String message) {
    if (log.isDebugEnabled()) {
      log.debug(Printable.line(MavenWording.of(message)));
    }
  }
}
