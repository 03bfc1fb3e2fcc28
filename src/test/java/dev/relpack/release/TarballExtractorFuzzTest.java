package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import dev.relpack.io.FileTrees;
import dev.relpack.testsupport.Fuzzer;
import dev.relpack.testsupport.Mutator;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball extractor, and the inspector on what it unpacked, on mutated release tarballs (see
 * {@link Fuzzer}): refused with a BadInputException or unpacked, never a write outside the
 * destination.
 */
class TarballExtractorFuzzTest {
  private static final ExtractionLimits LIMITS = new ExtractionLimits(16 << 20, 2_000);

  @TempDir Path work;

  /** The small tarballs of testdata/bad and testdata/kinds, uncompressed. */
  static List<byte[]> seeds() throws IOException {
    try (Stream<Path> files = Stream.concat(Files.list(Testdata.root().resolve("bad")),
        Files.list(Testdata.root().resolve("kinds")))) {
      return files.filter(p -> p.toString().endsWith(".tar.gz")).sorted()
          .map(TarballExtractorFuzzTest::gunzipped).filter(b -> b.length > 0).toList();
    }
  }

  private static byte[] gunzipped(Path file) {
    try (InputStream in = new GzipCompressorInputStream(Files.newInputStream(file))) {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0]; // not-a-tar.tar.gz is not gzip either
    }
  }

  @Test
  void mutatedTarballsAreUnpackedOrRefusedAndNothingIsWrittenOutside() throws Exception {
    List<byte[]> seeds = seeds();
    assertTrue(seeds.size() >= 14, seeds.size() + " seeds");
    Path tarball = work.resolve("fuzzed.tar");
    Path dest = work.resolve("dest");
    Set<String> before = Set.of("fuzzed.tar", "dest");
    new Fuzzer("tar-reader", seeds, Mutator.tar(), BadInputException.class)
        .run(input -> {
          FileTrees.deleteRecursively(dest);
          Files.createDirectory(dest);
          Files.write(tarball, input);
          try {
            TarballExtractor.extract(tarball, dest, LIMITS);
            ReleaseInspector.inspect(ReleaseTree.of(dest), "fuzzed");
          } finally {
            assertEquals(before, children(work), "written next to the destination");
            assertInside(dest);
          }
        });
  }

  private static Set<String> children(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  /** Every file and directory under dest really is under dest (no write through a link). */
  private static void assertInside(Path dest) throws IOException {
    Path real = dest.toRealPath();
    try (Stream<Path> walk = Files.walk(dest)) {
      for (Path path : walk.toList()) {
        if (!Files.isSymbolicLink(path)) {
          assertTrue(path.toRealPath(LinkOption.NOFOLLOW_LINKS).startsWith(real), path.toString());
        }
      }
    }
  }
}
