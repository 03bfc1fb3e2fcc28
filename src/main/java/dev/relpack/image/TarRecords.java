package dev.relpack.image;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.apache.commons.compress.archivers.zip.ZipEncoding;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

/**
 * A layer tar's records, byte for byte as commons-compress's {@code TarArchiveOutputStream}
 * writes them with jib's settings (POSIX long names and big numbers, UTF-8, 512-byte blocks) for
 * the entries relpack's layers hold: regular files and directories owned by 0:0 with empty owner
 * names, each given jib's four PAX time records. relpack writes them itself because the library's
 * way costs a JVM's first tar 40-60 ms of its 125-170 (597 entries): per entry a regular
 * expression and a {@code BigDecimal} for each of the four times read back, a map, an entry
 * object that reads system properties and the clock, and one write per 512-byte record.
 *
 * <p>What commons-compress does, as relpack reproduces it: a name of 100 bytes or more goes in a
 * PAX {@code path} record, its first 100 bytes in the header; a size over 8 GiB - 1 in a PAX
 * {@code size} record, with 0 in the header; the times as the library reads back jib's words for
 * them (see {@link #asRead}), {@code atime}, {@code ctime} and {@code LIBARCHIVE.creationtime}
 * always, {@code mtime} only when the header's octal field cannot hold it (a fraction of a second,
 * before 1970 or after 2242); the records in the order of the library's hash map (path, atime,
 * size, ctime, mtime, LIBARCHIVE.creationtime), each {@code "LENGTH key=value\n"} with the length
 * found from a two-digit first guess; the PAX header entry named {@code ./PaxHeaders.X/} and the
 * entry's name in seven bits, {@code /} as {@code _}, cut to 99 characters, mode 0644 (0755 as a
 * directory's for an empty name, whose PAX header's name ends in {@code /}), its time
 * the entry's whole seconds (0 outside the octal field's range, as in the entry's own header).
 * {@code LayerTarTest} holds the result to jib's own builder, {@code TarRecordsTest} each entry's
 * headers to the library's.
 */
final class TarRecords {
  private static final int RECORD = 512;

  private static final long MAX_OCTAL_SIZE = 077777777777L;
  private static final int NAME = 100;
  private static final byte FILE = '0';
  private static final byte DIRECTORY = '5';
  private static final byte PAX = 'x';
  private static final int PAX_HEADER_MODE = 0100644;
  private static final int PAX_HEADER_DIRECTORY_MODE = 040755;

  private final OutputStream out;
  private final byte[] record = new byte[RECORD];
  private ZipEncoding utf8; // the library's own encoder, for the rare name outside ASCII

  TarRecords(OutputStream out) {
    this.out = out;
  }

  /**
   * Writes an entry's headers: its PAX extended header, then its own.
   *
   * @param name the entry's name, a directory's ending in {@code /}
   * @param mode the file type's bits and the permission bits
   * @param size the content's length, 0 for a directory
   * @param time the modification time jib gives the entry
   */
  void header(String name, int mode, long size, Instant time) throws IOException {
    boolean ascii = isAscii(name);
    Instant read = asRead(time);
    long seconds = read.getEpochSecond();
    boolean secondsFit = seconds >= 0 && seconds <= MAX_OCTAL_SIZE; // in the octal time field
    boolean octalTime = read.getNano() == 0 && secondsFit;
    String when = secondsOf(read);
    StringBuilder pax = new StringBuilder(128);
    if (encodedLength(name, ascii) >= NAME) {
      append(pax, "path", name, ascii);
    }
    append(pax, "atime", when, true);
    if (size > MAX_OCTAL_SIZE) {
      append(pax, "size", Long.toString(size), true);
    }
    append(pax, "ctime", when, true);
    if (!octalTime) {
      append(pax, "mtime", when, true);
    }
    append(pax, "LIBARCHIVE.creationtime", when, true);
    byte[] data = pax.toString().getBytes(StandardCharsets.UTF_8);
    long wholeSeconds = secondsFit ? seconds : 0;
    String paxName = paxHeaderName(name);
    // the library's entry for a name ending in / (only an empty name's) takes a directory's mode
    write(paxName, true, paxName.endsWith("/") ? PAX_HEADER_DIRECTORY_MODE : PAX_HEADER_MODE,
        data.length, wholeSeconds, PAX);
    out.write(data);
    pad(data.length);
    write(name, ascii, mode, size, wholeSeconds, name.endsWith("/") ? DIRECTORY : FILE);
  }

  /** Pads content of {@code size} bytes to a whole record. */
  void pad(long size) throws IOException {
    int rest = (int) (size % RECORD);
    if (rest != 0) {
      Arrays.fill(record, (byte) 0);
      out.write(record, 0, RECORD - rest);
    }
  }

  /** Writes the two empty records that end a tar. */
  void end() throws IOException {
    Arrays.fill(record, (byte) 0);
    out.write(record);
    out.write(record);
  }

  /**
   * The time as commons-compress reads back jib's words for it: whole seconds, then a dot and
   * the nanoseconds without leading zeros when there are any, so that 12 s and 3,400 ns is read as
   * 12.34 s, and -6 s and 877,000,000 ns (-5.123 s) as -6.877 s.
   */
  private static Instant asRead(Instant time) {
    int nanos = time.getNano();
    if (nanos == 0) {
      return time;
    }
    long fraction = nanos;
    for (int digits = Integer.toString(nanos).length(); digits < 9; digits++) {
      fraction *= 10;
    }
    return Instant.ofEpochSecond(time.getEpochSecond(),
        time.getEpochSecond() < 0 ? -fraction : fraction);
  }

  /** Whole seconds, or seconds with seven decimals (cut, not rounded) where there is a fraction. */
  private static String secondsOf(Instant time) {
    if (time.getNano() == 0) {
      return Long.toString(time.getEpochSecond());
    }
    return BigDecimal.valueOf(time.getEpochSecond())
        .add(BigDecimal.valueOf(time.getNano()).movePointLeft(9).setScale(7, RoundingMode.DOWN))
        .toPlainString();
  }

  /** Appends {@code "LENGTH key=value\n"}, its length counting itself, as the library finds it. */
  private static void append(StringBuilder pax, String key, String value, boolean ascii) {
    String body = " " + key + "=" + value + "\n";
    int bytes = ascii ? body.length() : body.getBytes(StandardCharsets.UTF_8).length;
    int length = key.length() + value.length() + 5; // the library's first guess: two digits
    while (length != digitsOf(length) + bytes) {
      length = digitsOf(length) + bytes;
    }
    pax.append(length).append(body);
  }

  private static int digitsOf(int value) {
    return Integer.toString(value).length();
  }

  private static String paxHeaderName(String name) {
    StringBuilder seven = new StringBuilder("./PaxHeaders.X/");
    for (int i = 0; i < name.length(); i++) {
      char c = (char) (name.charAt(i) & 0x7F);
      seven.append(c == 0 || c == '/' || c == '\\' ? '_' : c);
    }
    return seven.length() >= NAME ? seven.substring(0, NAME - 1) : seven.toString();
  }

  private void write(String name, boolean ascii, int mode, long size, long seconds, byte type)
      throws IOException {
    Arrays.fill(record, (byte) 0);
    if (ascii) {
      for (int i = 0; i < Math.min(name.length(), NAME); i++) {
        record[i] = (byte) name.charAt(i);
      }
    } else {
      TarUtils.formatNameBytes(name, record, 0, NAME, utf8());
    }
    octal(mode, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(size > MAX_OCTAL_SIZE ? 0 : size, 124, 12);
    octal(seconds, 136, 12);
    Arrays.fill(record, 148, 156, (byte) ' ');
    record[156] = type;
    record[257] = 'u';
    record[258] = 's';
    record[259] = 't';
    record[260] = 'a';
    record[261] = 'r';
    record[263] = '0';
    record[264] = '0';
    octal(0, 329, 8);
    octal(0, 337, 8);
    long sum = 0;
    for (byte b : record) {
      sum += b & 0xFF;
    }
    digits(sum, 148, 6);
    record[154] = 0;
    record[155] = ' ';
    out.write(record);
  }

  /** A field of {@code length - 1} octal digits and a space. */
  private void octal(long value, int offset, int length) {
    digits(value, offset, length - 1);
    record[offset + length - 1] = ' ';
  }

  private void digits(long value, int offset, int count) {
    long rest = value;
    for (int i = offset + count - 1; i >= offset; i--) {
      record[i] = (byte) ('0' + (rest & 7));
      rest >>>= 3;
    }
  }

  private int encodedLength(String name, boolean ascii) throws IOException {
    if (ascii) {
      return name.length();
    }
    ByteBuffer encoded = utf8().encode(name);
    return encoded.limit() - encoded.position();
  }

  private ZipEncoding utf8() {
    if (utf8 == null) {
      utf8 = ZipEncodingHelper.getZipEncoding("UTF-8");
    }
    return utf8;
  }

  private static boolean isAscii(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
