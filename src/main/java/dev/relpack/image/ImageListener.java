package dev.relpack.image;

import dev.relpack.publish.BuildListener;

/** A build's listener that also hears of each layer as it is done at the target. */
public interface ImageListener extends BuildListener {
  /**
   * A layer is at the target: pushed, found there, mounted, or written. For a registry it comes
   * as each blob's push ends (jib's threads, any order); for {@code tar:} and {@code oci:} once
   * the whole image is written, in image order. A push that fails after its layer was reported
   * fails the build, whose error then follows.
   */
  default void layerDone(LayerResult layer) {}
}
