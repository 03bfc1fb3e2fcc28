package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.PatternBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file's digest is its bytes' whatever buffer reads it, and small files cost small buffers. */
class Sha256Test {
  @TempDir Path work;


  @Test
  void theKnownDigestsOfTheEmptyStringAndAbc() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Sha256.of(""));
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Sha256.of("abc"));
  }

  @Test
  void aFileOfAnySizeHashesAsItsBytesAndAsAStreamOfThem() throws IOException {
    for (int size : List.of(0, 1, 4095, 4096, 4097, 65_535, 65_536, 65_537, 300_000)) {
      byte[] bytes = PatternBytes.of(size);
      Path file = Files.write(work.resolve("f" + size), bytes);
      assertEquals(Sha256.of(bytes), Sha256.of(file), "size " + size);
      assertEquals(Sha256.of(bytes), Sha256.of(new ByteArrayInputStream(bytes)), "size " + size);
    }
  }

  @Test
  void aFileWhoseSizeSaysNothingIsReadToItsEnd() throws IOException {
    // procfs gives its files the size 0 and content all the same
    Path version = Path.of("/proc/version");
    byte[] bytes = Files.readAllBytes(version);
    assertTrue(Files.size(version) == 0 && bytes.length > 0, "this test needs Linux's procfs");
    assertEquals(Sha256.of(bytes), Sha256.of(version));
  }

  @Test
  void hashingManySmallFilesAllocatesAboutTheirSizeNotABigBufferEach() throws IOException {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      files.add(Files.write(work.resolve("small" + i), ("module " + i).getBytes(
          StandardCharsets.UTF_8)));
    }
    Sha256.of(files.get(0)); // the first use's one-time set-up is not what is measured
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (Path file : files) {
      Sha256.of(file);
    }
    long perFile = (threads.getCurrentThreadAllocatedBytes() - before) / files.size();
    // a 64 KiB buffer each filled a build's young generation with 10 MB; 4 KiB and the
    // channel's and digest's own objects are what a small file needs
    assertTrue(perFile < 16 * 1024, perFile + " bytes allocated per file");
  }
}
