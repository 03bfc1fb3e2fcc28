package dev.relpack.image;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * How relpack compresses its layers: gzip as this JVM's {@link GZIPOutputStream} writes it (the
 * same header and trailer as jib's), at deflate level 1, as go-containerregistry (ko, crane)
 * compresses layers, not jib's default level 6. Measured on the demo's two large layer tars with
 * the build JVM's flags: level 6 took 272 and 248 ms for 49.8 % and 43.3 % of their size, level
 * 4 164 and 116 ms for 50.7 % and 44.4 %, level 1 114 and 80 ms for 52.6 % and 47.1 %: a cold
 * build compresses its layers on both cores at once, so it waits for the larger one, 158 ms less
 * at level 1, for 7 % more bytes to push (0.38 MB on the demo).
 *
 * <p>Every blob relpack makes of its layers comes from here, so its digest is the same whichever
 * way the image is built; a blob another compressor made (jib's, or relpack's before this) is
 * not this layer as compressed here ({@link GzipMatch}).
 */
final class LayerGzip {
  static final int LEVEL = Deflater.BEST_SPEED;

  private LayerGzip() {}

  /** A gzip stream over {@code out} at {@link #LEVEL}; closing it closes {@code out}. */
  static GZIPOutputStream over(OutputStream out) throws IOException {
    return new Leveled(out);
  }

  /** GZIPOutputStream's format with another level: its deflater is set before any input. */
  private static final class Leveled extends GZIPOutputStream {
    Leveled(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(LEVEL);
    }
  }
}
