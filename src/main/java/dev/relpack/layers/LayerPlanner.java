package dev.relpack.layers;

import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.release.ReleaseFile;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Decides which file goes to which layer. A change to one module of the project's own app then
 * changes only the {@code app} layer (and {@code release}, whose boot script lists modules).
 */
public final class LayerPlanner {
  private LayerPlanner() {}

  public static LayerPlan plan(Release release, AppRoles roles) {
    Map<LayerKind, List<ReleaseFile>> files = new EnumMap<>(LayerKind.class);
    Map<LayerKind, TreeSet<String>> apps = new EnumMap<>(LayerKind.class);
    // each lib/ directory is decided once, not once per file (5,000 files, 100 apps at scale)
    Map<String, LayerKind> libDirectories = new HashMap<>();
    for (ReleaseFile file : release.files()) {
      if (file.path().equals("lib")) {
        continue; // a bare parent directory: each layer adds it as needed
      }
      LayerKind kind = layerOf(file, libDirectories, dir -> kindOf(appOf(dir, release), release,
          roles));
      files.computeIfAbsent(kind, k -> new ArrayList<>()).add(file);
      if (kind.compareTo(LayerKind.OTP) >= 0 && kind != LayerKind.RELEASE) {
        apps.computeIfAbsent(kind, k -> new TreeSet<>()).add(file.path().split("/")[1]);
      }
    }
    List<PlannedLayer> layers = new ArrayList<>();
    for (LayerKind kind : LayerKind.values()) {
      List<ReleaseFile> layerFiles = files.get(kind);
      if (layerFiles != null) {
        layers.add(new PlannedLayer(kind, List.copyOf(apps.getOrDefault(kind, new TreeSet<>())),
            layerFiles));
      }
    }
    return new LayerPlan(layers);
  }

  private static LayerKind layerOf(ReleaseFile file, Map<String, LayerKind> libDirectories,
      Function<String, LayerKind> libDirectoryKind) {
    String[] parts = file.path().split("/", 3);
    if (parts[0].startsWith("erts-")) {
      return LayerKind.ERTS;
    }
    if (!parts[0].equals("lib") || parts.length < 2) {
      return LayerKind.RELEASE;
    }
    return libDirectories.computeIfAbsent(parts[1], libDirectoryKind);
  }

  /** The layer of an application's files: the project's own, OTP and Elixir, or a dependency. */
  private static LayerKind kindOf(ReleaseApp app, Release release, AppRoles roles) {
    if (roles.own().contains(app.name()) && !roles.locked().contains(app.name())) {
      return LayerKind.APP;
    }
    return StandardApps.isStandard(app, release) ? LayerKind.OTP : LayerKind.DEPS;
  }

  /** The app a {@code lib/} directory holds: from the .rel when listed, else from its name. */
  static ReleaseApp appOf(String libDirectory, Release release) {
    for (ReleaseApp app : release.apps()) {
      if (app.directory().equals(libDirectory)) {
        return app;
      }
    }
    // APP-VSN: the first '-' followed by a digit, since versions may contain '-' (1.0.0-rc-1)
    for (int dash = libDirectory.indexOf('-'); dash > 0;
        dash = libDirectory.indexOf('-', dash + 1)) {
      if (dash + 1 < libDirectory.length() && Character.isDigit(libDirectory.charAt(dash + 1))) {
        return new ReleaseApp(libDirectory.substring(0, dash), libDirectory.substring(dash + 1));
      }
    }
    return new ReleaseApp(libDirectory, "");
  }
}
