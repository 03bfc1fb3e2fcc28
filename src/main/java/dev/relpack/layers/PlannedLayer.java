package dev.relpack.layers;

import dev.relpack.release.ReleaseFile;
import java.util.List;

/**
 * One layer of the plan: its files (paths relative to the release root) and, for application
 * layers, which {@code lib/APP-VSN} directories it holds.
 */
public record PlannedLayer(LayerKind kind, List<String> apps, List<ReleaseFile> files) {
  public PlannedLayer {
    apps = List.copyOf(apps);
    files = List.copyOf(files);
  }
}
