package dev.relpack.image;

import java.util.OptionalLong;

/**
 * A layer of the built image.
 *
 * @param size compressed size in bytes, as stored in a registry
 * @param uncompressedSize the bytes of the files relpack put in it, when relpack made it (a
 *     base's layers were made elsewhere)
 * @param delivery what became of it at the target
 */
public record LayerResult(String name, String digest, long size, Origin origin,
    OptionalLong uncompressedSize, Delivery delivery) {
  /** Where the layer's blob came from in this build. */
  public enum Origin {
    /** A layer of the base image. */
    BASE,
    /** Built and compressed in this build. */
    BUILT,
    /** Reused from relpack's layer cache: nothing was compressed. */
    CACHED,
    /** Taken from an earlier image of the same content: nothing was compressed. */
    REUSED
  }

  /** What became of the layer's blob at the target. */
  public enum Delivery {
    /** Uploaded to the registry by this build. */
    PUSHED,
    /** The registry had it already: nothing was sent. */
    PRESENT,
    /** The registry copied it from the base's repository (a cross-repository mount). */
    MOUNTED,
    /** Written into a {@code tar:} archive or an {@code oci:} layout. */
    WRITTEN
  }
}
