package dev.relpack.image;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Whether a gzip blob is exactly what relpack's compressor ({@link LayerGzip}: this JVM's
 * {@link GZIPOutputStream} at relpack's level) makes of a layer's tar: the only kind of blob an
 * image may take from an earlier one and
 * still have the digest of an image whose layers were all compressed here. Same content is not
 * enough: a blob recompressed at another level, split into several gzip members, with a header
 * comment or with bytes after its end holds the same tar under another digest.
 *
 * <p>Checked in one pass over the tar, without compressing it: the header byte for byte; the
 * content decompressed, byte for byte; the trailer (CRC-32 and length) and nothing after it; and
 * the compressor, by compressing the tar's first {@value #PREFIX} bytes (all of a smaller tar)
 * and comparing what that gives with the blob's first bytes: another level, strategy or deflate
 * implementation differs within the first block.
 */
final class GzipMatch {
  static final int PREFIX = 256 * 1024;

  private GzipMatch() {}

  /** Writes a layer's tar to a stream. */
  @FunctionalInterface
  interface TarBytes {
    void writeTo(OutputStream out) throws IOException;
  }

  /** @return how the blob differs from what the tar compresses to, if it does */
  static Optional<String> difference(Path gzip, TarBytes tar) throws IOException {
    return difference(gzip, tar, true);
  }

  /**
   * How the blob's content differs from the tar, if it does: as {@link #difference}, but any
   * deflate stream holding exactly the tar will do (another JVM's zlib may compress it to other
   * bytes, under another digest, which is checked where it matters).
   */
  static Optional<String> contentDifference(Path gzip, TarBytes tar) throws IOException {
    return difference(gzip, tar, false);
  }

  private static Optional<String> difference(Path gzip, TarBytes tar, boolean sameCompressor)
      throws IOException {
    byte[] header = header();
    try (InputStream file = new BufferedInputStream(Files.newInputStream(gzip), 1 << 16)) {
      byte[] read = file.readNBytes(header.length);
      if (!Arrays.equals(read, header)) {
        return Optional.of("a gzip header other than relpack's");
      }
      try (Inflated inflated = new Inflated(file);
          Witness witness = new Witness(new ComparingOutputStream(inflated));
          Witness.Ending ending = witness::end) {
        try {
          tar.writeTo(witness);
        } catch (ComparingOutputStream.Mismatch e) {
          return Optional.of("other content from byte " + e.offset());
        }
        if (inflated.read() != -1) {
          return Optional.of("more content than the layer's " + witness.length + " bytes");
        }
        Optional<String> trailer = inflated.trailer(witness.crc.getValue(), witness.length);
        if (trailer.isPresent()) {
          return trailer;
        }
        return sameCompressor ? witness.compressorDifference(gzip, header.length)
            : Optional.empty();
      }
    } catch (ZipException | EOFException e) {
      return Optional.of("something that is not whole gzip (" + e.getMessage() + ")");
    }
  }

  /** The header relpack's compressor writes: GZIPOutputStream's (no name, time or comment). */
  private static byte[] header() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LayerGzip.over(bytes).close();
    return Arrays.copyOf(bytes.toByteArray(), 10);
  }

  /** The deflate stream after the header, decompressed; what follows it is kept as the trailer. */
  private static final class Inflated extends InflaterInputStream {
    private final InputStream rest;

    Inflated(InputStream rest) {
      super(rest, new Inflater(true), 1 << 16);
      this.rest = rest;
    }

    /** Exactly the 8 bytes gzip ends with, matching the content, then the end of the file. */
    Optional<String> trailer(long crc, long length) throws IOException {
      byte[] left = Arrays.copyOfRange(buf, len - inf.getRemaining(), len);
      byte[] after = rest.readAllBytes();
      byte[] all = Arrays.copyOf(left, left.length + after.length);
      System.arraycopy(after, 0, all, left.length, after.length);
      if (all.length != 8) {
        return Optional.of(all.length < 8 ? "a cut gzip trailer"
            : (all.length - 8) + " bytes after the end of its gzip stream");
      }
      if (littleEndian(all, 0) != crc || littleEndian(all, 4) != (length & 0xffffffffL)) {
        return Optional.of("a gzip trailer that does not match its content");
      }
      return Optional.empty();
    }

    @Override
    public void close() throws IOException {
      inf.end(); // not the default inflater: closing the stream would not end it
      super.close();
    }

    private static long littleEndian(byte[] bytes, int at) {
      return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16
          | (bytes[at + 3] & 0xffL) << 24;
    }
  }

  /**
   * Passes the tar on to the comparison, and on its way takes its CRC-32, its length and the
   * compressed form of its first {@value #PREFIX} bytes.
   */
  private static final class Witness extends OutputStream {
    private final OutputStream next;
    private final CRC32 crc = new CRC32();
    private final Deflater deflater = new Deflater(LayerGzip.LEVEL, true);
    private final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    private final byte[] chunk = new byte[1 << 16];
    private long length;

    Witness(OutputStream next) {
      this.next = next;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int from, int count) throws IOException {
      next.write(bytes, from, count);
      crc.update(bytes, from, count);
      if (length < PREFIX) {
        deflater.setInput(bytes, from, (int) Math.min(count, PREFIX - length));
        drain();
      }
      length += count;
    }

    /** Nothing: the tar's writer closes its stream when done, and the deflater is still needed. */
    @Override
    public void close() {}

    /** Frees the deflater. */
    void end() {
      deflater.end();
    }

    /** {@link #end} for try-with-resources. */
    interface Ending extends AutoCloseable {
      @Override
      void close();
    }

    private void drain() {
      while (!deflater.needsInput()) {
        compressed.write(chunk, 0, deflater.deflate(chunk));
      }
    }

    /** Whether the blob starts as this JVM's deflate compresses the tar's start (all of it, if small). */
    Optional<String> compressorDifference(Path gzip, int headerLength) throws IOException {
      if (length <= PREFIX) {
        deflater.finish();
        while (!deflater.finished()) {
          compressed.write(chunk, 0, deflater.deflate(chunk));
        }
      }
      byte[] ours = compressed.toByteArray();
      byte[] theirs = new byte[ours.length];
      try (RandomAccessFile file = new RandomAccessFile(gzip.toFile(), "r")) {
        if (file.length() - headerLength >= ours.length) { // else compressed smaller than here
          file.seek(headerLength);
          file.readFully(theirs);
          if (Arrays.equals(ours, theirs)) {
            return Optional.empty();
          }
        }
      }
      return Optional.of("the same content compressed otherwise (another level or compressor)");
    }
  }
}
