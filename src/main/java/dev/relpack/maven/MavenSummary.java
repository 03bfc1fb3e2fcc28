package dev.relpack.maven;

import dev.relpack.engine.BuildReport;
import dev.relpack.image.LayerResult;
import dev.relpack.io.Printable;
import java.util.Locale;
import org.apache.maven.plugin.logging.Log;

/** The end of a build in Maven's log: the image by digest, its tags, base and layers. */
final class MavenSummary {
  private MavenSummary() {}

  static void log(BuildReport report, Log log) {
    info(log, "Built " + report.reference());
    info(log, "  tags: " + String.join(", ", report.image().tags()));
    info(log, "  base: " + report.base().name()
        + report.base().digest().map(d -> "@" + d).orElse(""));
    for (LayerResult layer : report.image().layers()) {
      info(log, String.format(Locale.ROOT, "  layer %-10s %,12d bytes  %-8s %s", layer.name(),
          layer.size(), layer.origin().name().toLowerCase(Locale.ROOT), layer.digest()));
    }
    info(log, String.format(Locale.ROOT, "  %d layers, %,d bytes; uploaded %,d bytes in %d blobs;"
        + " %.1f s%s", report.image().layers().size(), report.image().totalSize(),
        report.image().uploadedBytes(), report.image().uploadedBlobs(),
        report.elapsed().toMillis() / 1000.0, report.releaseStep().map(took -> String.format(
            Locale.ROOT, " (release step %.1f s)", took.toMillis() / 1000.0)).orElse("")));
  }

  /** Names in the summary (a base's, from a tarball) are untrusted: one printable line each. */
  private static void info(Log log, String text) {
    log.info(Printable.line(text));
  }
}
