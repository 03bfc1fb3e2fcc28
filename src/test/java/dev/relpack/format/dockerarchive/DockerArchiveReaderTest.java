package dev.relpack.format.dockerarchive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A docker-archive base is read through the bounded tar reader too. */
class DockerArchiveReaderTest {
  @TempDir Path work;

  @Test
  void aHugePaxHeaderIsBadInputNamingTheBase() throws IOException {
    Path tar = work.resolve("base.tar");
    try (OutputStream out = Files.newOutputStream(tar)) {
      TarArchiveEntry pax = new TarArchiveEntry("PaxHeaders/manifest.json",
          TarConstants.LF_PAX_EXTENDED_HEADER_LC);
      pax.setSize(1_500_000_000L);
      byte[] header = new byte[512];
      pax.writeEntryHeader(header);
      out.write(header);
      out.write("1500000000 path=manifest.json".getBytes(StandardCharsets.UTF_8));
    }
    BadInputException e = assertThrows(BadInputException.class, () -> DockerArchiveReader.read(tar));
    assertEquals("{from} tar:" + tar + ": a PAX header of 1500000000 bytes, over the 262144-byte"
        + " limit (it starts \"1500000000 path=manifest.json\"); refusing it as corrupt or hostile",
        e.getMessage());
  }
}
