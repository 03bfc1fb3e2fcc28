package dev.relpack.base;

import dev.relpack.error.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A layer blob as the tar it holds, whatever the manifest's media type claims: registries and
 * archives label layers loosely (docker archives hold plain tars, some registries serve gzip
 * under a plain type), so the magic number decides.
 */
public final class LayerStreams {
  private static final byte[] GZIP = {0x1f, (byte) 0x8b};
  private static final byte[] ZSTD = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

  private LayerStreams() {}

  /**
   * The uncompressed tar of the blob {@code blob}: gunzipped when it starts with gzip's magic
   * (every member, as gzip itself reads), passed through when it is a plain tar.
   *
   * @throws BadInputException when the blob is compressed with zstd
   */
  public static InputStream uncompressed(InputStream blob, String digest) throws IOException {
    BufferedInputStream in = new BufferedInputStream(blob, 64 * 1024);
    try {
      in.mark(ZSTD.length);
      byte[] start = in.readNBytes(ZSTD.length);
      in.reset();
      if (startsWith(start, ZSTD)) {
        throw new BadInputException("base layer " + digest
            + " is compressed with zstd, which relpack cannot read yet");
      }
      return startsWith(start, GZIP) ? new GzipCompressorInputStream(in, true) : in;
    } catch (IOException | RuntimeException e) {
      in.close(); // the caller gets no stream to close
      throw e;
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] magic) {
    return bytes.length >= magic.length
        && Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length);
  }
}
