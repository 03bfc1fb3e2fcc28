package dev.relpack.release;

import dev.relpack.io.Printable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarballExtractorTest {
  @TempDir Path work;

  /** A .tar.gz whose first header is a GNU long name declaring {@code declared} bytes. */
  private Path longNameTarball(long declared, String name) throws IOException {
    Path tarball = work.resolve("hostile.tar.gz");
    try (OutputStream out = new GzipCompressorOutputStream(Files.newOutputStream(tarball))) {
      TarArchiveEntry entry = new TarArchiveEntry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME);
      entry.setSize(declared);
      byte[] header = new byte[512];
      entry.writeEntryHeader(header);
      out.write(header);
      out.write(name.getBytes(StandardCharsets.UTF_8));
    }
    return tarball;
  }

  @Test
  void aLongNameOverPathMaxIsBadInputNamingTheTarball() throws IOException {
    Path tarball = longNameTarball(5001, "rel/" + "x".repeat(4996) + "\0");
    Path dest = Files.createDirectory(work.resolve("dest"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> TarballExtractor.extract(tarball, dest, ExtractionLimits.DEFAULT));
    assertEquals("release tarball " + tarball + ": a GNU long name of 5001 bytes, over the"
        + " 4096-byte limit (it starts \"rel/" + "x".repeat(76) + "\"); refusing it as corrupt or"
        + " hostile", e.getMessage());
    try (Stream<Path> left = Files.list(dest)) {
      assertEquals(0, left.count());
    }
  }

  @Test
  void aTwoGibLongNameIsRefusedFromItsHeader() throws IOException {
    // only the start of the name is in the file: the refusal comes before reading the rest
    Path tarball = longNameTarball(2L << 30, "\u001b]0;title\u0007" + "y".repeat(1000));
    Path dest = Files.createDirectory(work.resolve("dest"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> TarballExtractor.extract(tarball, dest, ExtractionLimits.DEFAULT));
    assertTrue(e.getMessage().startsWith("release tarball " + tarball + ": a GNU long name of"
        + " 2147483648 bytes, over the 4096-byte limit (it starts \"\\x1b]0;title\\x07yyy"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\u001b"));
  }

  /** A plain tar of entries: a name ending in '/' is a directory, the others hold one byte. */
  private Path tarOf(String... names) throws IOException {
    Path tarball = work.resolve("entries.tar");
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarball))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String name : names) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(name.endsWith("/") ? 0 : 1);
        tar.putArchiveEntry(entry);
        if (!name.endsWith("/")) {
          tar.write('x');
        }
        tar.closeArchiveEntry();
      }
    }
    return tarball;
  }

  private String refused(Path tarball) throws IOException {
    Path dest = Files.createDirectory(work.resolve("dest"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> TarballExtractor.extract(tarball, dest, ExtractionLimits.DEFAULT));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e.getMessage().substring(("release tarball " + tarball + ": ").length());
  }

  @Test
  void aFileWhereADirectoryIsIsBadInputNotACacheFailure() throws IOException {
    // found by TarballExtractorFuzzTest: was InternalException "cannot unpack into the cache"
    assertEquals("entry lib/ebin appears both as a directory and as a file or link",
        refused(tarOf("lib/ebin/", "lib/ebin")));
  }

  @Test
  void aDirectoryWhereAFileIsIsBadInput() throws IOException {
    assertEquals("entry lib/ebin appears both as a directory and as a file or link",
        refused(tarOf("lib/ebin", "lib/ebin/")));
  }

  @Test
  void anEntryInsideAFileIsBadInput() throws IOException {
    assertEquals("entry bin/demo/x is inside bin/demo, which is a file",
        refused(tarOf("bin/demo", "bin/demo/x")));
  }

  @Test
  void namesTooLongForLinuxAreBadInput() throws IOException {
    String component = "c".repeat(256);
    assertEquals("entry " + Printable.of("lib/" + component) + " has a name longer than 255 bytes",
        refused(tarOf("lib/" + component)));
    Files.delete(work.resolve("dest"));
    String path = ("d".repeat(200) + "/").repeat(25);
    assertEquals("entry " + Printable.of(path + "f") + " has a path longer than 2048 bytes",
        refused(tarOf(path + "f")));
  }

  @Test
  void aSymlinkTargetLongerThanPathMaxIsRefusedWithItsStartOnly() throws IOException {
    Path tarball = work.resolve("link.tar");
    String target = "../".repeat(20_000) + "etc/shadow";
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarball))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry link = new TarArchiveEntry("bin/link", TarConstants.LF_SYMLINK);
      link.setLinkName(target); // written as a PAX linkpath of 60 KB
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    assertEquals("entry " + Printable.of(target) + " has a path longer than 2048 bytes",
        refused(tarball));
  }
}
