package dev.relpack.image;

import java.util.List;

/** A layer relpack adds on top of the base, with its name as shown to users and in history. */
public record ImageLayer(String name, List<LayerEntry> entries) {
  public ImageLayer {
    entries = List.copyOf(entries);
  }
}
