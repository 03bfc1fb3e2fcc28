package dev.relpack.cli;

import dev.relpack.build.BuildReport;
import dev.relpack.image.LayerResult;
import java.io.PrintStream;
import java.util.Locale;

/** The final report of a build: image by digest, tags, layers with sizes, bytes uploaded, time. */
final class Summary {
  private Summary() {}

  static void print(BuildReport report, PrintStream out) {
    out.println("Built " + report.reference());
    out.println("  tags: " + String.join(", ", report.image().tags()));
    out.println("  base: " + report.base().name() + report.base().digest().map(d -> "@" + d).orElse(""));
    out.printf(Locale.ROOT, "  %-10s %10s  %-8s %s%n", "layer", "size", "origin", "digest");
    for (LayerResult layer : report.image().layers()) {
      out.printf(Locale.ROOT, "  %-10s %10s  %-8s %s%n", layer.name(), Sizes.human(layer.size()),
          layer.origin().name().toLowerCase(Locale.ROOT), layer.digest());
    }
    out.printf(Locale.ROOT, "  %d layers, %s; uploaded %s in %d blob%s; %.1f s%n",
        report.image().layers().size(), Sizes.human(report.image().totalSize()),
        Sizes.human(report.image().uploadedBytes()), report.image().uploadedBlobs(),
        report.image().uploadedBlobs() == 1 ? "" : "s", report.elapsed().toMillis() / 1000.0);
    out.flush();
  }
}
