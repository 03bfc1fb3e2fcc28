package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Fuzzer;
import dev.relpack.testsupport.Mutator;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The term reader and the .rel reader on mutated .rel and RELEASES files (see {@link Fuzzer}). */
class ErlangTermReaderFuzzTest {
  static List<byte[]> seeds() throws IOException {
    try (Stream<Path> files = Stream.concat(Files.walk(Testdata.root().resolve("kinds")),
        Files.walk(Testdata.root().resolve("bad")))) {
      return files
          .filter(p -> p.toString().endsWith(".rel") || p.getFileName().toString().equals("RELEASES"))
          .filter(Files::isRegularFile)
          .map(ErlangTermReaderFuzzTest::bytes)
          .toList();
    }
  }

  private static byte[] bytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void mutatedReleaseFilesAreReadOrRefusedWithASyntaxError() throws Exception {
    List<byte[]> seeds = seeds();
    assertTrue(seeds.size() >= 8, seeds.size() + " seeds");
    new Fuzzer("term-reader", seeds, Mutator.erlangTerms(), TermSyntaxException.class)
        .run(input -> {
          // as ReleaseTree reads them: one byte, one character
          String text = new String(input, StandardCharsets.ISO_8859_1);
          ErlangTermReader.readAll(text);
          RelFile.parse(text);
        });
  }
}
