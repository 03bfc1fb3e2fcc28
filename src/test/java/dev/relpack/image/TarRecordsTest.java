package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * An entry's header records against commons-compress's, set as jib sets its entries, on names,
 * sizes and times beyond what {@code LayerTarTest} can give jib's builder in a unit test's time
 * (a file over 8 GiB).
 */
class TarRecordsTest {
  private static final long MAX_OCTAL = 077777777777L;

  /** The library's records for one entry's headers, the entry given as jib gives it. */
  private static byte[] librarys(String name, int mode, long size, Instant time) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(mode);
    entry.setUserId(0);
    entry.setGroupId(0);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setModTime(time.toEpochMilli());
    String words = time.getNano() > 0 ? time.getEpochSecond() + "." + time.getNano()
        : Long.toString(time.getEpochSecond());
    for (String key : new String[] {"mtime", "atime", "ctime", "LIBARCHIVE.creationtime"}) {
      entry.addPaxHeader(key, words);
    }
    if (!name.endsWith("/")) {
      entry.setSize(size);
    }
    tar.putArchiveEntry(entry); // the headers are written through, record by record
    return bytes.toByteArray();
  }

  private static byte[] ours(String name, int mode, long size, Instant time) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new TarRecords(bytes).header(name, mode, size, time);
    return bytes.toByteArray();
  }

  private static void same(String name, int mode, long size, Instant time) throws Exception {
    assertArrayEquals(librarys(name, mode, size, time), ours(name, mode, size, time),
        () -> name + " " + Integer.toOctalString(mode) + " " + size + " " + time);
  }

  @Test
  void namesAroundAHundredBytesInAndOutOfAsciiAreWrittenAsTheLibraryWritesThem()
      throws Exception {
    for (int length = 95; length <= 105; length++) {
      same("a".repeat(length), 0100644, 3, Instant.ofEpochSecond(1));
      same("d".repeat(length) + "/", 040755, 0, Instant.ofEpochSecond(1));
      same("é".repeat(length / 2), 0100644, 3, Instant.ofEpochSecond(1));
      same("x".repeat(length - 3) + "日本", 0100755, 3, Instant.ofEpochSecond(1));
      same("y".repeat(length - 2) + "\uD83D\uDE00z", 0100644, 3, Instant.ofEpochSecond(1));
    }
    same("app/a\\b/c\u0001d/\u00ff\u0080", 0100644, 0, Instant.ofEpochSecond(1));
    same("", 0100644, 5, Instant.ofEpochSecond(1)); // a file at /: its PAX header's name ends in /
  }

  @Test
  void sizesOverTheOctalFieldGoInARecord() throws Exception {
    for (long size : new long[] {0, 1, 511, 512, MAX_OCTAL, MAX_OCTAL + 1, 1L << 40}) {
      same("app/erts/bin/beam.smp", 0100755, size, Instant.ofEpochSecond(1));
    }
  }

  @Test
  void timesBeforeTheEpochAfterTheOctalFieldAndWithNanosecondsAreReadBackAsTheLibraryDoes()
      throws Exception {
    Instant[] times = {Instant.ofEpochSecond(0), Instant.ofEpochSecond(1),
        Instant.ofEpochSecond(1_700_000_000), Instant.ofEpochSecond(12, 3_400),
        Instant.ofEpochSecond(5, 50), Instant.ofEpochSecond(5, 999_999_999),
        Instant.ofEpochSecond(-6, 877_000_000), Instant.ofEpochSecond(-1, 500_000_000),
        Instant.ofEpochSecond(-1), Instant.ofEpochSecond(MAX_OCTAL),
        Instant.ofEpochSecond(MAX_OCTAL + 1), Instant.ofEpochSecond(MAX_OCTAL, 10)};
    for (Instant time : times) {
      same("app/f", 0100644, 7, time);
      same("app/d/", 040755, 0, time);
    }
  }

  @Test
  void generatedEntriesAreWrittenAsTheLibraryWritesThem() throws Exception {
    Random random = new Random(9);
    String alphabet = "abcXYZ019._-/éß日\u0000\\";
    for (int i = 0; i < 2_000; i++) {
      StringBuilder name = new StringBuilder("app/");
      for (int n = random.nextInt(160); n > 0; n--) {
        name.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      boolean directory = random.nextInt(4) == 0;
      String entry = name.toString().replace("//", "/").replaceAll("/$", "x")
          + (directory ? "/" : "");
      Instant time = random.nextBoolean() ? Instant.ofEpochSecond(1)
          : Instant.ofEpochSecond(random.nextInt(2_000_000_000) - 100, random.nextInt(3) == 0
              ? random.nextInt(1_000_000_000) : 0);
      same(entry, (directory ? 040000 : 0100000) | random.nextInt(01000),
          directory ? 0 : random.nextInt(100_000), time);
    }
  }

  @Test
  void contentIsPaddedToARecordAndTheEndIsTwoEmptyRecords() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarRecords tar = new TarRecords(bytes);
    tar.pad(512);
    assertEquals(0, bytes.size());
    tar.pad(513);
    assertEquals(511, bytes.size());
    tar.end();
    assertEquals(511 + 1024, bytes.size());
    assertArrayEquals(new byte[511 + 1024], bytes.toByteArray());
  }
}
