package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseInspectorTest {
  @TempDir Path root;

  private void release(String relText) throws IOException {
    Files.createDirectories(root.resolve("bin"));
    Files.writeString(root.resolve("bin/demo"), "#!/bin/sh\n");
    Files.createDirectories(root.resolve("releases/0.1.0"));
    Files.writeString(root.resolve("releases/start_erl.data"), "13.1.5 0.1.0\n");
    Files.writeString(root.resolve("releases/0.1.0/demo.rel"), relText);
  }

  @Test
  void aTwoGigabyteRelFileIsRefusedWithoutReadingIt() throws IOException {
    release("");
    try (RandomAccessFile rel = new RandomAccessFile(
        root.resolve("releases/0.1.0/demo.rel").toFile(), "rw")) {
      rel.setLength(2L << 30); // sparse: no disk used, but 2 GiB to whoever reads it
    }
    BadInputException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(
        BadInputException.class, () -> ReleaseInspector.inspect(ReleaseTree.of(root), "rel-dir")));
    assertEquals("release rel-dir: cannot read it: releases/0.1.0/demo.rel is larger than 1048576"
        + " bytes", e.getMessage());
  }

  @Test
  void aHugeIntegerInTheRelFileIsBadInputWithItsLine() throws IOException {
    release("{release, {\"demo\", \"0.1.0\"}, {erts, \"13.1.5\"},\n [" + "1".repeat(900_000)
        + "]}.");
    BadInputException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(
        BadInputException.class, () -> ReleaseInspector.inspect(ReleaseTree.of(root), "rel-dir")));
    assertEquals("release rel-dir: releases/0.1.0/demo.rel line 2: an integer of more than 64"
        + " digits", e.getMessage());
  }
}
