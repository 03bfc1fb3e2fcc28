package dev.relpack.cli;

import dev.relpack.engine.BuildReport;
import dev.relpack.image.LayerResult;
import dev.relpack.io.Printable;
import java.io.PrintStream;
import java.util.Locale;

/** The final report of a build: image by digest, tags, layers with sizes, bytes uploaded, time. */
final class Summary {
  private static final String LAYER_ROW = "  %-10s %10s  %-8s %s";

  private Summary() {}

  static void print(BuildReport report, PrintStream out) {
    line(out, "Built " + report.reference());
    line(out, "  tags: " + String.join(", ", report.image().tags()));
    line(out, "  base: " + report.base().name() + report.base().digest().map(d -> "@" + d).orElse(""));
    line(out, String.format(Locale.ROOT, LAYER_ROW, "layer", "size", "origin", "digest"));
    for (LayerResult layer : report.image().layers()) {
      line(out, String.format(Locale.ROOT, LAYER_ROW, layer.name(), Sizes.human(layer.size()),
          layer.origin().name().toLowerCase(Locale.ROOT), layer.digest()));
    }
    line(out, String.format(Locale.ROOT, "  %d layers, %s; uploaded %s in %d blob%s; %.1f s%s",
        report.image().layers().size(), Sizes.human(report.image().totalSize()),
        Sizes.human(report.image().uploadedBytes()), report.image().uploadedBlobs(),
        report.image().uploadedBlobs() == 1 ? "" : "s", report.elapsed().toMillis() / 1000.0,
        report.releaseStep().map(d -> String.format(Locale.ROOT, " (release step %.1f s)",
            d.toMillis() / 1000.0)).orElse("")));
    out.flush();
  }

  /** One line of the summary; names in it (the base's, from a tarball) are untrusted. */
  static void line(PrintStream out, String text) {
    out.println(Printable.line(text));
  }
}
