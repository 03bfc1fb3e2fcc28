package dev.relpack.image;

import dev.relpack.base.BaseImage;
import dev.relpack.io.SourceDate;
import dev.relpack.layers.LayerPlan;
import dev.relpack.layers.PlannedLayer;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The image relpack makes of a release: files under the app root owned by root, the start script
 * as entrypoint and its foreground command as the default arguments, a non-root user, and an environment that needs no writable path
 * but /tmp. Labels follow the OCI annotation names; GitLab CI variables fill in source, revision
 * and creation time when present, and {@code SOURCE_DATE_EPOCH} (or the commit time) dates the
 * image, so a rebuild of the same commit gives the same digest.
 */
public final class ImageDefaults {
  private static final String OCI = "org.opencontainers.image.";

  private ImageDefaults() {}

  public static ImageSpec spec(Release release, LayerPlan plan, BaseImage base,
      ImageOptions options, Map<String, String> ci, String architecture) {
    String root = options.appRoot();
    List<ImageLayer> layers = new java.util.ArrayList<>();
    if (!base.files().isEmpty()) {
      layers.add(new ImageLayer("host", base.files().stream()
          .map(f -> new LayerEntry(f.source(), f.target(), false, f.executable())).toList()));
    }
    plan.layers().forEach(layer -> layers.add(new ImageLayer(layer.kind().label(), entries(layer, root))));
    return new ImageSpec(release.name(), base, layers,
        List.of(root + "/" + release.startScript()), List.of(release.startCommand()),
        new TreeMap<>(environment(release, options)), options.ports(), options.user(), root,
        new TreeMap<>(labels(release, base, options, ci)), created(ci), architecture);
  }

  /** The creation time, once, for the config and the created label alike. */
  private static Optional<String> createdLabel(Map<String, String> ci) {
    Instant created = created(ci);
    return created.equals(Instant.EPOCH) ? Optional.empty() : Optional.of(created.toString());
  }

  private static List<LayerEntry> entries(PlannedLayer layer, String root) {
    return layer.files().stream()
        .map((ReleaseFile f) -> new LayerEntry(f.source(), root + "/" + f.path(), f.directory(),
            f.executable()))
        .toList();
  }

  static Map<String, String> environment(Release release, ImageOptions options) {
    Map<String, String> env = new TreeMap<>();
    env.put("LANG", "C.UTF-8");
    env.put("RELEASE_TMP", "/tmp");
    env.put("ERL_CRASH_DUMP", "/tmp/erl_crash.dump");
    switch (release.kind()) {
      // distillery and exrm write vm.args, sys.config and logs under RELEASE_MUTABLE_DIR
      case DISTILLERY, EXRM -> env.put("RELEASE_MUTABLE_DIR", "/tmp/" + release.name());
      // relx renders vm.args.src/sys.config.src into RELX_OUT_FILE_PATH, which must exist
      case RELX -> env.put("RELX_OUT_FILE_PATH", "/tmp");
      case MIX -> { }
    }
    env.putAll(options.env());
    return env;
  }

  static Map<String, String> labels(Release release, BaseImage base, ImageOptions options,
      Map<String, String> ci) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(OCI + "title", release.name());
    labels.put(OCI + "version", release.version());
    labels.put(OCI + "base.name", base.name());
    base.digest().ifPresent(d -> labels.put(OCI + "base.digest", d));
    ci("CI_PROJECT_URL", ci).ifPresent(v -> labels.put(OCI + "source", v));
    ci("CI_PROJECT_URL", ci).ifPresent(v -> labels.put(OCI + "url", v));
    ci("CI_COMMIT_SHA", ci).ifPresent(v -> labels.put(OCI + "revision", v));
    ci("CI_PROJECT_DESCRIPTION", ci).ifPresent(v -> labels.put(OCI + "description", v));
    createdLabel(ci).ifPresent(v -> labels.put(OCI + "created", v));
    labels.putAll(options.labels());
    return labels;
  }

  /** SOURCE_DATE_EPOCH, else the commit time GitLab gives, else the epoch: never the clock. */
  static Instant created(Map<String, String> ci) {
    return SourceDate.of(ci).orElse(Instant.EPOCH);
  }

  private static Optional<String> ci(String name, Map<String, String> ci) {
    return Optional.ofNullable(ci.get(name)).filter(v -> !v.isBlank());
  }
}
