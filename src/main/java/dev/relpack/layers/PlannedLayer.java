package dev.relpack.layers;

import dev.relpack.release.ReleaseFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

  /** How many regular files it holds. */
  public long fileCount() {
    return files.stream().filter(f -> !f.directory()).count();
  }

  /** The bytes of its files, uncompressed. */
  public long bytes() {
    long total = 0;
    for (ReleaseFile file : files) {
      if (!file.directory()) {
        try {
          total += Files.size(file.source());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return total;
  }
}
