package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import dev.relpack.testsupport.EndlessStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BoundedTarInputStreamTest {
  private static final long TWO_GIB = 2L << 30;

  private static byte[] header(String name, byte type, long size) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type);
    entry.setSize(size);
    byte[] header = new byte[512];
    entry.writeEntryHeader(header);
    return header;
  }

  /** One entry as it is in an archive: its header, its data, padding to a 512-byte record. */
  private static byte[] entry(String name, byte type, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header(name, type, data.length));
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** A PAX record: its length in decimal counts the whole record, itself included. */
  private static String paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int length = body.length() + 1;
    while (Integer.toString(length).length() + body.length() != length) {
      length++;
    }
    return length + body;
  }

  private static BadInputException refused(InputStream tar) {
    return assertThrows(BadInputException.class, () -> {
      try (BoundedTarInputStream in = new BoundedTarInputStream(tar, "test.tar")) {
        while (in.getNextEntry() != null) {
          in.readAllBytes();
        }
      }
    });
  }

  private static void assertOneSafeLine(String message) {
    assertFalse(message.contains("\n") || message.contains("\r") || message.contains("\u001b"),
        message);
    assertTrue(message.length() < 400, "message of " + message.length() + " characters");
  }

  private static List<String> names(byte[] tar) throws IOException {
    List<String> names = new ArrayList<>();
    try (BoundedTarInputStream in = new BoundedTarInputStream(new ByteArrayInputStream(tar), "UTF-8",
        "test.tar")) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
        in.readAllBytes();
      }
    }
    return names;
  }

  @Test
  void aHugeLongNameIsRefusedBeforeItIsRead() {
    byte[] start = concatNoEnd(header("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME, TWO_GIB),
        "\u001b[32mBuilt\r\n".getBytes(StandardCharsets.UTF_8));
    EndlessStream tar = new EndlessStream(start, "a".getBytes(StandardCharsets.UTF_8));
    BadInputException e = refused(tar);
    assertTrue(e.getMessage().startsWith("test.tar: a GNU long name of 2147483648 bytes, over the"
        + " 4096-byte limit (it starts \"\\x1b[32mBuilt\\r\\naaaa"), e.getMessage());
    assertOneSafeLine(e.getMessage());
    assertTrue(tar.served() < 64 << 10, "read " + tar.served() + " bytes of the archive");
  }

  @Test
  void aHugeLongLinkNameIsRefused() {
    EndlessStream tar = new EndlessStream(
        header("././@LongLink", TarConstants.LF_GNUTYPE_LONGLINK, 5000), "b".getBytes());
    BadInputException e = refused(tar);
    assertTrue(e.getMessage().startsWith("test.tar: a GNU long link name of 5000 bytes, over the"
        + " 4096-byte limit (it starts \"bbbb"), e.getMessage());
    assertOneSafeLine(e.getMessage());
  }

  @Test
  void aHugePaxHeaderIsRefusedBeforeItIsRead() {
    byte[] start = concatNoEnd(
        header("PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC, 1_500_000_000L),
        "1500000000 path=".getBytes(StandardCharsets.UTF_8));
    EndlessStream tar = new EndlessStream(start, "x".getBytes());
    BadInputException e = refused(tar);
    assertTrue(e.getMessage().startsWith("test.tar: a PAX header of 1500000000 bytes, over the"
        + " 262144-byte limit (it starts \"1500000000 path=xxx"), e.getMessage());
    assertOneSafeLine(e.getMessage());
    assertTrue(tar.served() < 64 << 10, "read " + tar.served() + " bytes of the archive");
  }

  @Test
  void theShownStartIsCutAndShowsFormatCharactersVisibly() {
    String start = "\u202eevil" + "n".repeat(5000);
    byte[] tar = concat(entry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME,
        start.getBytes(StandardCharsets.UTF_8)));
    BadInputException e = refused(new ByteArrayInputStream(tar));
    assertTrue(e.getMessage().contains("(it starts \"\\u202eevilnnn"), e.getMessage());
    assertFalse(e.getMessage().contains("\u202e"), e.getMessage());
    assertOneSafeLine(e.getMessage());
  }

  @Test
  void globalPaxHeadersShareOneBudget() {
    List<byte[]> parts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] data = paxRecord("comment" + i, "c".repeat(60_000)).getBytes(StandardCharsets.UTF_8);
      parts.add(entry("pax_global_header", TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER, data));
      parts.add(entry("file" + i, TarConstants.LF_NORMAL, new byte[10]));
    }
    BadInputException e = refused(new ByteArrayInputStream(concat(parts.toArray(byte[][]::new))));
    assertTrue(e.getMessage().startsWith("test.tar: global PAX headers of 300080 bytes in all, over the"
        + " 262144-byte limit"), e.getMessage());
    assertOneSafeLine(e.getMessage());
  }

  @Test
  void aChainOfMetadataHeadersIsBounded() {
    List<byte[]> parts = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      parts.add(entry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME,
          ("name" + i + "\0").getBytes(StandardCharsets.UTF_8)));
    }
    parts.add(entry("short", TarConstants.LF_NORMAL, new byte[10]));
    BadInputException e = refused(new ByteArrayInputStream(concat(parts.toArray(byte[][]::new))));
    assertEquals("test.tar: more than 16 metadata headers (long names, PAX headers) in front of one"
        + " entry; refusing it as corrupt or hostile", e.getMessage());
  }

  @Test
  void anEndlessOldGnuSparseMapIsBounded() {
    byte[] sparse = header("sparse", TarConstants.LF_GNUTYPE_SPARSE, 0);
    System.arraycopy("ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, sparse, 257, 8);
    sparse[482] = 1; // isExtended: an extension record follows
    checksum(sparse);
    byte[] extension = new byte[512];
    extension[504] = 1; // and another, for ever
    EndlessStream tar = new EndlessStream(sparse, extension);
    BadInputException e = refused(tar);
    assertEquals("test.tar: the headers in front of one entry take more than 1024 KiB (chained"
        + " metadata or a sparse map); refusing it as corrupt or hostile", e.getMessage());
    assertTrue(tar.served() < 2 << 20, "read " + tar.served() + " bytes of the archive");
  }

  @Test
  void anEndlessPaxSparseMapIsBounded() {
    String pax = paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0")
        + paxRecord("GNU.sparse.name", "sparse") + paxRecord("GNU.sparse.realsize", "1000");
    byte[] start = concatNoEnd(
        entry("PaxHeaders/sparse", TarConstants.LF_PAX_EXTENDED_HEADER_LC,
            pax.getBytes(StandardCharsets.UTF_8)),
        header("GNUSparseFile/sparse", TarConstants.LF_NORMAL, TWO_GIB),
        "99999999999\n".getBytes(StandardCharsets.UTF_8));
    EndlessStream tar = new EndlessStream(start, "0\n".getBytes(StandardCharsets.UTF_8));
    BadInputException e = refused(tar);
    assertTrue(e.getMessage().startsWith("test.tar: the headers in front of one entry take more"
        + " than 1024 KiB"), e.getMessage());
    assertTrue(tar.served() < 2 << 20, "read " + tar.served() + " bytes of the archive");
  }

  @Test
  void realLongNamesAndPaxHeadersAreRead() throws IOException {
    String gnuName = "lib/" + "g".repeat(4090);
    String paxName = "lib/" + "p".repeat(3000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      write(tar, gnuName, 10);
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      write(tar, paxName, 3 << 20);
      write(tar, "after", 1);
    }
    assertEquals(List.of(gnuName, paxName, "after"), names(out.toByteArray()));
  }

  @Test
  void entryDataIsNotCountedAsHeaders() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      write(tar, "big", 5 << 20);
      write(tar, "next", 1);
    }
    try (BoundedTarInputStream in = new BoundedTarInputStream(
        new ByteArrayInputStream(out.toByteArray()), "test.tar")) {
      assertEquals("big", in.getNextEntry().getName()); // its data skipped, not read
      assertEquals("next", in.getNextEntry().getName());
      assertNull(in.getNextEntry());
    }
  }

  @Test
  void aLongNameOfExactlyPathMaxIsRead() throws IOException {
    String name = "n".repeat(4095);
    byte[] tar = concat(entry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME,
        (name + "\0").getBytes(StandardCharsets.UTF_8)),
        entry("short", TarConstants.LF_NORMAL, new byte[3]));
    assertEquals(List.of(name), names(tar));
    byte[] over = concat(entry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME,
        (name + "n\0").getBytes(StandardCharsets.UTF_8)),
        entry("short", TarConstants.LF_NORMAL, new byte[3]));
    assertTrue(refused(new ByteArrayInputStream(over)).getMessage()
        .contains("a GNU long name of 4097 bytes, over the 4096-byte limit"));
  }

  private static void write(TarArchiveOutputStream tar, String name, int size) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(size);
    tar.putArchiveEntry(entry);
    tar.write(new byte[size]);
    tar.closeArchiveEntry();
  }

  private static byte[] concatNoEnd(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** The header checksum: the byte sum with the checksum field counted as spaces. */
  private static void checksum(byte[] header) {
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    byte[] octal = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(octal, 0, header, 148, 8);
  }
}
