package dev.relpack.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.engine.BuildRequest;
import dev.relpack.engine.Engine;
import dev.relpack.engine.Inspection;
import dev.relpack.elf.NativeCode;
import dev.relpack.image.ImageOptions;
import dev.relpack.layers.PlannedLayer;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.report.Sizes;
import dev.relpack.sbom.Sbom;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code relpack inspect}: what relpack sees in a release, and how it would layer it. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Show a release's facts and its layer plan; no registry, no image.")
final class InspectCommand implements Callable<Integer> {
  private final Context context;

  @Mixin
  ExistingRelease releaseOptions = new ExistingRelease();

  @Option(names = "--app", paramLabel = "NAME", description = "An application of the project's own (repeatable).")
  List<String> apps = new ArrayList<>();

  @Option(names = "--app-root", paramLabel = "DIR",
      description = "Where the release would go in the image (default: "
          + ImageOptions.DEFAULT_APP_ROOT + ").")
  String appRoot;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache directory.")
  Path cacheDir;

  @Option(names = "--json", description = "Print JSON, for machines.")
  boolean json;

  @Option(names = "--sbom",
      description = "Print the release's SBOM (what its image would hold, without the base)"
          + " instead of its facts.")
  boolean sbom;

  @Option(names = "--sbom-format", paramLabel = "cyclonedx|spdx",
      description = "With --sbom: CycloneDX 1.5 JSON (default) or SPDX 2.3 JSON.")
  String sbomFormat;

  @Option(names = {"-v", "--verbose"}, description = "Stack traces on errors.")
  boolean verbose;

  InspectCommand(Context context) {
    this.context = context;
  }

  @Override
  public Integer call() throws IOException {
    BuildRequest request = releaseOptions.into(BuildRequest.builder(context.env(), context.home()))
        .apps(apps).appRoot(appRoot).cacheDir(cacheDir).sbomFormat(sbomFormat)
        .build();
    if (sbom) {
      Sbom document = new Engine(context.machineRoot())
          .sbom(request, new PlainReporter(context.err(), false, verbose));
      context.out().writeBytes(request.sbomFormat().write(document));
      context.out().flush();
      return 0;
    }
    Inspection inspection = new Engine(context.machineRoot())
        .inspect(request, new PlainReporter(context.err(), false, verbose));
    if (json) {
      context.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter()
          .writeValueAsString(json(inspection)));
    } else {
      text(inspection);
    }
    return 0;
  }

  private ObjectNode json(Inspection inspection) {
    Release r = inspection.release();
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.put("name", r.name()).put("version", r.version()).put("kind", r.kind().label());
    node.putObject("erts").put("version", r.ertsVersion()).put("included", r.ertsIncluded());
    node.put("startCommand", r.startCommand());
    ArrayNode entrypoint = node.putArray("entrypoint");
    inspection.entrypoint().forEach(entrypoint::add);
    ArrayNode cmd = node.putArray("cmd");
    inspection.cmd().forEach(cmd::add);
    ArrayNode appsNode = node.putArray("apps");
    r.apps().forEach(a -> appsNode.addObject().put("name", a.name()).put("version", a.version()));
    NativeCode nativeCode = inspection.nativeCode();
    ObjectNode nativeNode = node.putObject("native");
    nativeNode.put("architecture", nativeCode.architecture().orElse(null))
        .put("libc", nativeCode.libc().orElse(null));
    nativeCode.interpreters().forEach(nativeNode.putArray("interpreters")::add);
    nativeCode.libraries().forEach(nativeNode.putArray("libraries")::add);
    ArrayNode layers = node.putArray("layers");
    for (PlannedLayer layer : inspection.plan().layers()) {
      ObjectNode l = layers.addObject();
      l.put("name", layer.kind().label());
      l.put("files", layer.fileCount());
      long bytes = layer.bytes();
      l.put("bytes", bytes); // kept for what reads it; the same, named for what it is:
      l.put("uncompressedBytes", bytes);
      ArrayNode layerApps = l.putArray("apps");
      layer.apps().forEach(layerApps::add);
    }
    return node;
  }

  /** {@code linux/amd64, glibc (/lib64/ld-linux-x86-64.so.2)}. */
  private static String describe(NativeCode nativeCode) {
    if (nativeCode.architecture().isEmpty()) {
      return "none: no ELF files";
    }
    StringBuilder text = new StringBuilder("linux/" + nativeCode.architecture().get());
    nativeCode.libc().ifPresent(libc -> text.append(", ").append(libc));
    if (!nativeCode.interpreters().isEmpty()) {
      text.append(" (").append(String.join(" ", nativeCode.interpreters())).append(")");
    }
    return text.toString();
  }

  private void text(Inspection inspection) {
    Release r = inspection.release();
    var out = context.out();
    Summary.line(out, "release     " + r.name() + " " + r.version() + " (" + r.kind().label() + ")");
    Summary.line(out, "erts        " + r.ertsVersion() + (r.ertsIncluded() ? " (included)" : " (not included: erl comes from the base)"));
    Summary.line(out, "entrypoint  " + String.join(" ", inspection.entrypoint()));
    Summary.line(out, "cmd         " + String.join(" ", inspection.cmd()));
    Summary.line(out, "apps        " + String.join(" ", r.apps().stream().map(ReleaseApp::directory).toList()));
    NativeCode nativeCode = inspection.nativeCode();
    Summary.line(out, "native      " + describe(nativeCode));
    if (!nativeCode.libraries().isEmpty()) {
      Summary.line(out, "links       " + String.join(" ", nativeCode.libraries()));
    }
    out.println("layers");
    for (PlannedLayer layer : inspection.plan().layers()) {
      Summary.line(out, String.format(Locale.ROOT, "  %-8s %6d files %10s uncompressed  %s",
          layer.kind().label(), layer.fileCount(), Sizes.human(layer.bytes()),
          String.join(" ", layer.apps())));
    }
  }
}
