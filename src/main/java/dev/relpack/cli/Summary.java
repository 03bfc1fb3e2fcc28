package dev.relpack.cli;

import dev.relpack.engine.BuildReport;
import dev.relpack.io.Printable;
import dev.relpack.report.BuildText;
import java.io.PrintStream;

/** The final report of a build on stdout (see {@link BuildText#summary}). */
final class Summary {
  private Summary() {}

  static void print(BuildReport report, PrintStream out) {
    BuildText.summary(report).forEach(text -> line(out, text));
    out.flush();
  }

  /** One line of the summary; names in it (the base's, from a tarball) are untrusted. */
  static void line(PrintStream out, String text) {
    out.println(Printable.line(text));
  }
}
