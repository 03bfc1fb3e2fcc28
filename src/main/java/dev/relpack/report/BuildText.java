package dev.relpack.report;

import dev.relpack.engine.BuildReport;
import dev.relpack.image.LayerResult;
import dev.relpack.publish.ArchiveTarget;
import dev.relpack.publish.RegistryTarget;
import dev.relpack.publish.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The words of a build's report: a line per layer as it is done, then the summary. Sizes are
 * decimal ({@code kB}, {@code MB}) as registries and docker show them; "compressed" is the blob
 * as stored and sent, "uncompressed" the bytes of the files relpack put in the layer.
 */
public final class BuildText {
  private static final String LAYER_ROW = "  %-10s %10s %12s  %-6s  %-7s  %s";

  private BuildText() {}

  /**
   * One layer, as it is done: {@code pushed app 3.56 kB (built)}, {@code otp 3.30 MB already in
   * the registry (reused from cache)}, {@code wrote erts 2.17 MB (reused from cache)}. The base's
   * layers are named by digest: while they are pushed, which of them is which is not known yet.
   */
  public static String layerLine(LayerResult layer) {
    String named = (layer.origin() == LayerResult.Origin.BASE
        ? "base layer " + shortDigest(layer.digest()) : layer.name())
        + " " + Sizes.human(layer.size());
    String how = switch (layer.origin()) {
      case BUILT -> " (built)";
      case CACHED -> " (reused from cache)";
      case REUSED -> " (reused from the earlier image)";
      case BASE -> "";
    };
    return switch (layer.delivery()) {
      case PUSHED -> "pushed " + named + how;
      case WRITTEN -> "wrote " + named + how;
      case PRESENT -> named + " already in the registry" + how;
      case MOUNTED -> named + " mounted from the base's repository" + how;
    };
  }

  /** The summary: the image by digest, its tags and base, a row per layer, the totals. */
  public static List<String> summary(BuildReport report) {
    List<String> lines = new ArrayList<>();
    Target target = report.target();
    lines.add("Built " + report.reference());
    lines.add("  tags: " + String.join(", ", report.image().tags()));
    lines.add("  base: " + report.base().name()
        + report.base().digest().map(d -> "@" + d).orElse(""));
    report.sbomReferrer().ifPresent(r -> lines.add("  sbom: attached as " + r));
    if (target instanceof ArchiveTarget) {
      // docker load says "Loaded image: NAME:TAG"; docker images shows this, cut to 12 digits
      lines.add("  image ID: " + report.image().imageId() + " (docker load names it "
          + Target.repositoryName(report.release().name()) + ":" + report.image().tags().get(0)
          + ")");
    }
    lines.add(String.format(Locale.ROOT, LAYER_ROW, "layer", "compressed", "uncompressed",
        "origin", "result", "digest"));
    for (LayerResult layer : report.image().layers()) {
      lines.add(String.format(Locale.ROOT, LAYER_ROW, layer.name(), Sizes.human(layer.size()),
          layer.uncompressedSize().isPresent()
              ? Sizes.human(layer.uncompressedSize().getAsLong()) : "-",
          lower(layer.origin()), lower(layer.delivery()), layer.digest()));
    }
    String uploaded = target instanceof RegistryTarget
        ? String.format(Locale.ROOT, "; uploaded %s in %d blob%s",
            Sizes.human(report.image().uploadedBytes()), report.image().uploadedBlobs(),
            report.image().uploadedBlobs() == 1 ? "" : "s")
        : "";
    int layers = report.image().layers().size();
    lines.add(String.format(Locale.ROOT, "  %d layer%s, %s compressed%s; %.1f s%s", layers,
        layers == 1 ? "" : "s", Sizes.human(report.image().totalSize()), uploaded,
        report.elapsed().toMillis() / 1000.0,
        report.releaseStep().map(d -> String.format(Locale.ROOT, " (release step %.1f s)",
            d.toMillis() / 1000.0)).orElse("")));
    return lines;
  }

  /** {@code sha256:} and 12 hex digits, as docker shortens image IDs. */
  static String shortDigest(String digest) {
    int hex = digest.indexOf(':') + 1;
    return digest.substring(0, Math.min(digest.length(), hex + 12));
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
