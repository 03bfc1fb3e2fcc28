package dev.relpack.maven;

import dev.relpack.engine.BuildReport;
import dev.relpack.io.Printable;
import dev.relpack.report.BuildText;
import org.apache.maven.plugin.logging.Log;

/** The end of a build in Maven's log, as the CLI prints it (see {@link BuildText#summary}). */
final class MavenSummary {
  private MavenSummary() {}

  static void log(BuildReport report, Log log) {
    // names in the summary (a base's, from a tarball) are untrusted: one printable line each
    BuildText.summary(report).forEach(text -> log.info(Printable.line(text)));
  }
}
