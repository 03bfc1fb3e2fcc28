package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.PatternBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Equal means the same size and every byte, past the first buffer's worth too. */
class SameBytesTest {
  @TempDir Path work;
  private final SameBytes same = new SameBytes();

  private Path file(String name, byte[] bytes) throws IOException {
    return Files.write(work.resolve(name), bytes);
  }


  @Test
  void equalFilesOfManySizesAreEqual() throws IOException {
    for (int size : List.of(0, 1, 4096, 128 << 10, (128 << 10) + 1, 300_000)) {
      byte[] bytes = PatternBytes.of(size);
      assertTrue(same.equal(file("a" + size, bytes), file("b" + size, bytes)), "size " + size);
    }
  }

  @Test
  void aByteChangedAnywhereOrAnotherSizeIsNotEqual() throws IOException {
    byte[] bytes = PatternBytes.of(300_000);
    Path original = file("original", bytes);
    for (int at : new int[] {0, 131_071, 131_072, 299_999}) {
      byte[] changed = bytes.clone();
      changed[at] ^= 1;
      assertFalse(same.equal(original, file("changed" + at, changed)), "byte " + at);
    }
    assertFalse(same.equal(original, file("shorter", Arrays.copyOf(bytes, 299_999))));
    assertFalse(same.equal(file("empty", new byte[0]), file("one", new byte[1])));
  }

  @Test
  void comparesOnEveryCoreWithoutMixingUpBuffers() throws IOException {
    byte[] bytes = PatternBytes.of(200_000);
    Path original = file("original", bytes);
    List<Path> copies = IntStream.range(0, 40).mapToObj(i -> {
      byte[] copy = bytes.clone();
      copy[150_000] ^= (byte) (i % 2); // odd ones differ past the first buffer
      try {
        return file("copy" + i, copy);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).toList();
    List<Boolean> equal = IntStream.range(0, 40).parallel().mapToObj(i -> {
      try {
        return same.equal(original, copies.get(i));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).toList();
    assertTrue(IntStream.range(0, 40).allMatch(i -> equal.get(i) == (i % 2 == 0)), equal.toString());
  }

  @Test
  void aMissingFileIsAnError() throws IOException {
    Path present = file("present", PatternBytes.of(10));
    assertThrows(NoSuchFileException.class, () -> same.equal(present, work.resolve("absent")));
  }
}
