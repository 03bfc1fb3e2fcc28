package dev.relpack.release;

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
}
