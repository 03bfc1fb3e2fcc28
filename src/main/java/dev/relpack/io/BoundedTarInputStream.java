package dev.relpack.io;

import dev.relpack.error.BadInputException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar reader that refuses oversized metadata before reading it. commons-compress reads a GNU long
 * name or link name ('L', 'K') and a PAX header ('x', 'g') whole into memory, whatever size its
 * header declares, and follows chains of such headers and of sparse maps without limit: a 2 GiB
 * long name costs gigabytes of heap, and a small gzip of repeated headers expands to as many. Every
 * tar reader in relpack reads through this class, so the metadata in front of one entry costs at
 * most {@link #MAX_HEADER_BYTES} whatever the archive says.
 *
 * <p>Limits, and why they are safe for real archives: a long name or link name holds one path,
 * which Linux bounds at PATH_MAX (4096 bytes with its NUL). A PAX header holds a path, a link path,
 * times, owners and extended attributes; one Linux xattr value is at most 64 KiB, so 256 KiB holds
 * the largest xattr with room to spare. Global PAX headers persist for the rest of the archive,
 * so they share one budget. Refusals are {@link BadInputException} naming the archive and showing
 * the metadata's first characters.
 */
public final class BoundedTarInputStream extends TarArchiveInputStream {
  /** GNU long names and link names: PATH_MAX, including the terminating NUL. */
  public static final int MAX_LONG_NAME_BYTES = 4096;
  /** One PAX header; also all global PAX headers of an archive together. */
  public static final int MAX_PAX_HEADER_BYTES = 256 << 10;
  /** Metadata headers in front of one entry (g, x, L, K: four in a real archive). */
  public static final int MAX_HEADERS_PER_ENTRY = 16;
  /** Raw bytes read for the headers of one entry, sparse maps included. */
  public static final int MAX_HEADER_BYTES = 1 << 20;
  private static final int SHOWN_CHARACTERS = 80;

  private final Meter meter;
  private final String display;
  private int depth;
  private long globalPaxBytes;
  private TarArchiveEntry checked;

  /**
   * @param in the tar stream (already decompressed)
   * @param display how to name the archive in messages, e.g. {@code release tarball x.tar.gz}
   */
  public BoundedTarInputStream(InputStream in, String display) {
    this(new Meter(in), null, display);
  }

  /** As {@link #BoundedTarInputStream(InputStream, String)}, decoding names with {@code encoding}. */
  public BoundedTarInputStream(InputStream in, String encoding, String display) {
    this(new Meter(in), encoding, display);
  }

  private BoundedTarInputStream(Meter meter, String encoding, String display) {
    super(meter, encoding);
    this.meter = meter;
    this.display = display;
  }

  /**
   * The next entry, as {@link TarArchiveInputStream#getNextEntry()} reads it, or a
   * {@link BadInputException} when its metadata is over a limit. commons-compress calls this
   * method again for each metadata header it meets, so the depth counts chained headers.
   */
  @Override
  public TarArchiveEntry getNextEntry() throws IOException {
    boolean outermost = depth == 0;
    depth++;
    try {
      if (depth > MAX_HEADERS_PER_ENTRY) {
        throw new LimitExceeded("more than " + MAX_HEADERS_PER_ENTRY
            + " metadata headers (long names, PAX headers) in front of one entry");
      }
      return super.getNextEntry();
    } catch (IOException e) {
      LimitExceeded limit = outermost ? limitIn(e) : null;
      if (limit != null) {
        throw new BadInputException(display + ": " + limit.getMessage()
            + "; refusing it as corrupt or hostile");
      }
      throw e;
    } finally {
      depth--;
      if (outermost) {
        meter.stopCounting();
      }
    }
  }

  /** Starts counting raw bytes once the previous entry's data is skipped: from its first header. */
  @Override
  protected byte[] readRecord() throws IOException {
    if (depth > 0) {
      meter.startCounting(MAX_HEADER_BYTES);
    }
    return super.readRecord();
  }

  /** commons-compress reads every metadata entry through here: check its size first. */
  @Override
  public int read(byte[] buf, int offset, int length) throws IOException {
    TarArchiveEntry entry = getCurrentEntry();
    if (entry != null && entry != checked) {
      checked = entry;
      checkMetadataSize(entry);
    }
    return super.read(buf, offset, length);
  }

  private void checkMetadataSize(TarArchiveEntry entry) throws IOException {
    String kind;
    long limit;
    long size = Math.max(0, entry.getSize());
    if (entry.isGNULongNameEntry() || entry.isGNULongLinkEntry()) {
      kind = entry.isGNULongNameEntry() ? "a GNU long name" : "a GNU long link name";
      limit = MAX_LONG_NAME_BYTES;
    } else if (entry.isGlobalPaxHeader()) {
      kind = "global PAX headers";
      limit = MAX_PAX_HEADER_BYTES;
      globalPaxBytes += size;
      size = globalPaxBytes;
    } else if (entry.isPaxHeader()) {
      kind = "a PAX header";
      limit = MAX_PAX_HEADER_BYTES;
    } else {
      return;
    }
    if (size > limit) {
      throw new LimitExceeded(kind + " of " + size + " bytes" + (entry.isGlobalPaxHeader()
          ? " in all" : "") + ", over the " + limit + "-byte limit (it starts \""
          + printable(firstBytes()) + "\")");
    }
  }

  /** As much of the metadata's start as the archive holds, to show in the message. */
  private byte[] firstBytes() {
    byte[] start = new byte[SHOWN_CHARACTERS];
    int filled = 0;
    try {
      for (int n; filled < start.length
          && (n = super.read(start, filled, start.length - filled)) > 0; ) {
        filled += n;
      }
    } catch (IOException e) {
      // a truncated archive: show what there is
    }
    return Arrays.copyOf(start, filled);
  }

  /**
   * Text from the archive as one safe line: control and format characters (escape, newline,
   * bidirectional overrides) shown as escapes, cut to a bounded length.
   */
  static String printable(byte[] bytes) {
    return Printable.of(new String(bytes, StandardCharsets.UTF_8));
  }

  private static LimitExceeded limitIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof LimitExceeded limit) {
        return limit;
      }
    }
    return null;
  }

  /** Thrown inside commons-compress's reading, turned into a BadInputException at the top. */
  private static final class LimitExceeded extends IOException {
    LimitExceeded(String message) {
      super(message);
    }
  }

  /** Counts the raw bytes read while one entry's headers are read, and stops at a budget. */
  private static final class Meter extends FilterInputStream {
    private long remaining = -1;

    Meter(InputStream in) {
      super(in);
    }

    void startCounting(long budget) {
      if (remaining < 0) {
        remaining = budget;
      }
    }

    void stopCounting() {
      remaining = -1;
    }

    @Override
    public int read() throws IOException {
      requireBudget();
      int b = super.read();
      charge(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      requireBudget();
      int n = super.read(b, off, remaining < 0 ? len : (int) Math.min(len, remaining));
      charge(n);
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      requireBudget();
      long skipped = super.skip(remaining < 0 ? n : Math.min(n, remaining));
      charge(skipped);
      return skipped;
    }

    private void requireBudget() throws LimitExceeded {
      if (remaining == 0) {
        throw new LimitExceeded("the headers in front of one entry take more than "
            + (MAX_HEADER_BYTES >> 10) + " KiB (chained metadata or a sparse map)");
      }
    }

    private void charge(long n) {
      if (remaining > 0 && n > 0) {
        remaining -= n;
      }
    }
  }
}
