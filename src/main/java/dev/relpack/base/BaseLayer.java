package dev.relpack.base;

import java.io.IOException;
import java.io.InputStream;

/**
 * One layer of a base image, bottom first: the digest that names its content (a registry's or a
 * layout's blob digest; a docker archive's diff ID), and how to read it as an uncompressed tar.
 * Opening is lazy: a layer whose index is cached is never read.
 *
 * @param digest {@code sha256:HEX}; the bytes {@link #open} returns must be what it names (the
 *     opener checks that as it reads, and fails at the end of a layer that does not match)
 */
public record BaseLayer(String digest, Opener opener) {
  /** Opens the layer's tar stream, uncompressed, verified against the digest as it is read. */
  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  public InputStream open() throws IOException {
    return opener.open();
  }
}
