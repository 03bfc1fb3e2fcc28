package dev.relpack.image;

/**
 * A layer of the built image.
 *
 * @param size compressed size in bytes, as stored in a registry
 */
public record LayerResult(String name, String digest, long size, Origin origin) {
  /** Where the layer's blob came from in this build. */
  public enum Origin {
    /** A layer of the base image. */
    BASE,
    /** Built and compressed in this build. */
    BUILT,
    /** Reused from relpack's layer cache: nothing was compressed. */
    CACHED
  }
}
