package dev.relpack.layers;

import java.util.List;

/** The release's files split into layers, in image order; no layer is empty. */
public record LayerPlan(List<PlannedLayer> layers) {
  public LayerPlan {
    layers = List.copyOf(layers);
  }
}
