package dev.relpack.base;

import dev.relpack.error.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A layer as an uncompressed tar, whatever its compression: gzip is told by its magic bytes, not
 * by a media type (a docker archive's members have none). Stand-in until the indexer's
 * {@code LayerStreams.uncompressed} is merged; every opener in this package goes through here, so
 * switching is one change.
 */
final class Decompressing {
  private Decompressing() {}

  /**
   * @param display the layer, as a message names it
   * @throws BadInputException for a zstd layer, which relpack cannot read yet
   */
  static InputStream uncompressed(InputStream in, String display) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
    buffered.mark(4);
    byte[] magic = buffered.readNBytes(4);
    buffered.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(buffered, 64 * 1024);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      buffered.close();
      throw new BadInputException(display + " is zstd-compressed, which relpack cannot read;"
          + " use a base with gzip-compressed layers");
    }
    return buffered;
  }
}
