package dev.relpack.image;

import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import dev.relpack.io.ReadThroughInputStream;
import dev.relpack.io.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
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
 * <p>The tar is written once, to nowhere, for what a blob of it must show ({@link Expected}); the
 * blob is then checked in one pass as it is read (as it is fetched, when it comes from a
 * registry), never the tar written out to compare it with: the header byte for byte; the
 * content decompressed, its SHA-256 against the tar's (the diff ID) and its first
 * {@value #PREFIX} bytes byte for byte, to say where it differs; the trailer (CRC-32 and length)
 * and nothing after it; and the compressor, by compressing the tar's first {@value #PREFIX}
 * bytes (all of a smaller tar) and comparing what that gives with the blob's first bytes:
 * another level, strategy or deflate implementation differs within the first block.
 */
final class GzipMatch {
  static final int PREFIX = 256 * 1024;

  private GzipMatch() {}

  /**
   * What a blob of a layer's tar must show: the tar's digest (its diff ID) and length, its
   * CRC-32 (gzip's trailer holds it) and its first {@value #PREFIX} bytes (all of a smaller tar).
   */
  record Expected(String diffId, long size, long crc, byte[] start) {
    Expected {
      start = start.clone();
    }

    @Override
    public byte[] start() {
      return start.clone();
    }

    /**
     * The most compressed bytes a blob of this tar can hold: deflate stores what it cannot
     * shrink, 5 bytes of block header to each 16 KiB or more, so a longer blob is not this layer
     * (a stream padded with blocks that inflate to nothing, say) and is not read to its end.
     */
    long largestBlob() {
      return size + size / 1000 + 1024;
    }
  }

  /** Writes the tar to nowhere, taking what a blob of it must show. */
  static Expected expected(Blob tar) throws IOException {
    Witness witness = new Witness();
    BlobDescriptor written = tar.writeTo(witness);
    return new Expected(written.getDigest().toString(), written.getSize(),
        witness.crc.getValue(), witness.start.toByteArray());
  }

  /** @return how the blob differs from what the tar compresses to here, if it does */
  static Optional<String> difference(InputStream gzip, Expected tar) throws IOException {
    return difference(gzip, tar, true);
  }

  /**
   * How the blob's content differs from the tar, if it does: as {@link #difference}, but any
   * deflate stream holding exactly the tar will do (another JVM's zlib may compress it to other
   * bytes, under another digest, which is checked where it matters).
   */
  static Optional<String> contentDifference(InputStream gzip, Expected tar) throws IOException {
    return difference(gzip, tar, false);
  }

  private static Optional<String> difference(InputStream gzip, Expected tar,
      boolean sameCompressor) throws IOException {
    byte[] header = header();
    try {
      if (!Arrays.equals(gzip.readNBytes(header.length), header)) {
        return Optional.of("a gzip header other than relpack's");
      }
      byte[] ours = sameCompressor ? compressedStart(tar) : new byte[0];
      StartKept deflated = new StartKept(gzip, ours.length);
      try (Inflated inflated = new Inflated(deflated, tar.largestBlob())) {
        Optional<String> content = inflatedDifference(inflated, tar);
        if (content.isPresent()) {
          return content;
        }
        Optional<String> trailer = inflated.trailer(tar.crc(), tar.size());
        if (trailer.isPresent()) {
          return trailer;
        }
      }
      return Arrays.equals(deflated.start(), ours) ? Optional.empty()
          : Optional.of("the same content compressed otherwise (another level or compressor)");
    } catch (TooLong e) {
      return Optional.of("more than the " + tar.largestBlob() + " compressed bytes the layer's "
          + tar.size() + " bytes can take");
    } catch (ZipException | EOFException e) {
      return Optional.of("something that is not whole gzip (" + e.getMessage() + ")");
    }
  }

  /** The deflate stream went on past what its content can take. */
  private static final class TooLong extends IOException {
    private static final long serialVersionUID = 1L;
  }

  /** Reads the content to its end: its length, its first bytes and its digest against the tar's. */
  private static Optional<String> inflatedDifference(InputStream content, Expected tar)
      throws IOException {
    MessageDigest sha256 = Sha256.newDigest();
    byte[] start = tar.start();
    byte[] buffer = new byte[1 << 16];
    long length = 0;
    for (int read = content.read(buffer); read >= 0; read = content.read(buffer)) {
      if (length + read > tar.size()) {
        return Optional.of("more content than the layer's " + tar.size() + " bytes");
      }
      if (length < start.length) {
        int end = (int) Math.min(start.length, length + read);
        int differs = Arrays.mismatch(buffer, 0, end - (int) length, start, (int) length, end);
        if (differs >= 0) {
          return Optional.of("other content from byte " + (length + differs));
        }
      }
      sha256.update(buffer, 0, read);
      length += read;
    }
    if (length < tar.size()) {
      return Optional.of("less content than the layer's " + tar.size() + " bytes");
    }
    String digest = "sha256:" + HexFormat.of().formatHex(sha256.digest());
    return digest.equals(tar.diffId()) ? Optional.empty()
        : Optional.of("other content after its first " + start.length + " bytes ("
            + digest + ", not the layer's " + tar.diffId() + ")");
  }

  /** The header relpack's compressor writes: GZIPOutputStream's (no name, time or comment). */
  private static byte[] header() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LayerGzip.over(bytes).close();
    return Arrays.copyOf(bytes.toByteArray(), 10);
  }

  /**
   * What relpack's compressor makes of the tar's start: the deflate stream's first bytes, or all
   * of it (to its last block) when the start is the whole tar.
   */
  private static byte[] compressedStart(Expected tar) {
    Deflater deflater = new Deflater(LayerGzip.LEVEL, true);
    try {
      ByteArrayOutputStream compressed = new ByteArrayOutputStream();
      byte[] chunk = new byte[1 << 16];
      deflater.setInput(tar.start());
      if (tar.size() <= PREFIX) {
        deflater.finish();
        while (!deflater.finished()) {
          compressed.write(chunk, 0, deflater.deflate(chunk));
        }
      } else {
        while (!deflater.needsInput()) {
          compressed.write(chunk, 0, deflater.deflate(chunk));
        }
      }
      return compressed.toByteArray();
    } finally {
      deflater.end();
    }
  }

  /** The deflate stream after the header, decompressed; what follows it is kept as the trailer. */
  private static final class Inflated extends InflaterInputStream {
    /** Bytes after the stream counted in a message; more are not read. */
    private static final int AFTER_COUNTED = 4096;
    private final InputStream rest;
    private final long largest;

    /** @param largest the most deflate bytes to take before saying the stream is too long */
    Inflated(InputStream rest, long largest) {
      super(rest, new Inflater(true), 1 << 16);
      this.rest = rest;
      this.largest = largest;
    }

    @Override
    public int read(byte[] bytes, int from, int count) throws IOException {
      int read = super.read(bytes, from, count);
      checkLength();
      return read;
    }

    /** Reads on only while the stream is no longer than its content can take. */
    @Override
    protected void fill() throws IOException {
      checkLength();
      super.fill();
    }

    private void checkLength() throws TooLong {
      if (inf.getBytesRead() > largest) {
        throw new TooLong();
      }
    }

    /**
     * Exactly the 8 bytes gzip ends with, matching the content, then the end of the stream. What
     * follows is read only as far as {@value #AFTER_COUNTED} bytes more: a blob may go on without
     * end, and reading it all would fill the memory.
     */
    Optional<String> trailer(long crc, long length) throws IOException {
      byte[] left = Arrays.copyOfRange(buf, len - inf.getRemaining(), len);
      byte[] after = rest.readNBytes(Math.max(0, 8 + AFTER_COUNTED + 1 - left.length));
      byte[] all = Arrays.copyOf(left, left.length + after.length);
      System.arraycopy(after, 0, all, left.length, after.length);
      if (all.length > 8 + AFTER_COUNTED) {
        return Optional.of("more than " + AFTER_COUNTED + " bytes after the end of its gzip"
            + " stream");
      }
      if (all.length != 8) {
        return Optional.of(all.length < 8 ? "a cut gzip trailer"
            : (all.length - 8) + " bytes after the end of its gzip stream");
      }
      if (littleEndian(all, 0) != crc || littleEndian(all, 4) != (length & 0xffffffffL)) {
        return Optional.of("a gzip trailer that does not match its content");
      }
      return Optional.empty();
    }

    /** Ends the inflater, not the stream under it: that is the caller's. */
    @Override
    public void close() {
      inf.end(); // not the default inflater: closing the stream would not end it
    }

    private static long littleEndian(byte[] bytes, int at) {
      return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16
          | (bytes[at + 3] & 0xffL) << 24;
    }
  }

  /** Passes a stream on, keeping its first {@code kept} bytes. */
  private static final class StartKept extends ReadThroughInputStream {
    private final byte[] start;
    private int filled;

    StartKept(InputStream in, int kept) {
      super(in);
      this.start = new byte[kept];
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int from, int count) throws IOException {
      int read = in.read(bytes, from, count);
      int keep = Math.min(Math.max(read, 0), start.length - filled);
      System.arraycopy(bytes, from, start, filled, keep);
      filled += keep;
      return read;
    }

    /** The bytes kept: fewer than asked for if the stream was shorter. */
    byte[] start() {
      return Arrays.copyOf(start, filled);
    }
  }

  /** Takes the tar's CRC-32 and its first {@value #PREFIX} bytes as it is written. */
  private static final class Witness extends OutputStream {
    private final CRC32 crc = new CRC32();
    private final ByteArrayOutputStream start = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int from, int count) {
      crc.update(bytes, from, count);
      start.write(bytes, from, Math.max(0, Math.min(count, PREFIX - start.size())));
    }
  }
}
