package dev.relpack.image;

import java.util.List;

/** A layer relpack adds on top of the base, with its name as shown to users and in history. */
public record ImageLayer(String name, List<LayerEntry> entries) {
  public ImageLayer {
    entries = List.copyOf(entries);
  }

  /** The bytes of its files, as they are on disk (the layer's size uncompressed, tar headers aside). */
  public long contentBytes() {
    long total = 0;
    for (LayerEntry entry : entries) {
      if (!entry.directory()) {
        try {
          total += java.nio.file.Files.size(entry.source());
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
    return total;
  }
}
