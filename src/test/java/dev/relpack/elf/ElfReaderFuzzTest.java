package dev.relpack.elf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Fuzzer;
import dev.relpack.testsupport.Mutator;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ELF reader on mutated shared objects and executables (see {@link Fuzzer}). */
class ElfReaderFuzzTest {
  private static final int MAX_SEED_BYTES = 256 << 10;

  @TempDir Path work;

  /** testdata/elf and the demo release's ELF files up to 256 KiB (beam.smp is 4 MB). */
  static List<byte[]> seeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    try (Stream<Path> files = Files.list(Testdata.root().resolve("elf"))) {
      for (Path file : files.sorted().toList()) {
        seeds.add(Files.readAllBytes(file));
      }
    }
    try (InputStream raw = Files.newInputStream(Testdata.demoTarball());
        TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        if (entry.isFile() && entry.getSize() <= MAX_SEED_BYTES) {
          byte[] bytes = tar.readAllBytes();
          if (bytes.length > 4 && bytes[0] == 0x7f && bytes[1] == 'E') {
            seeds.add(bytes);
          }
        }
      }
    }
    return seeds;
  }

  @Test
  void mutatedElfFilesAreReadOrRefused() throws Exception {
    List<byte[]> seeds = seeds();
    assertTrue(seeds.size() >= 10, seeds.size() + " seeds");
    Path file = work.resolve("fuzzed.so");
    new Fuzzer("elf-reader", seeds, Mutator.elf(), ElfFormatException.class)
        .run(input -> {
          Files.write(file, input);
          if (ElfReader.isElf(file)) {
            ElfReader.read(file);
          }
        });
  }
}
