package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class LayerStreamsTest {
  private final byte[] tar = new LayerTar().file("etc/os-release", "ID=test\n").bytes();

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private static byte[] read(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Test
  void aPlainTarPassesThrough() throws IOException {
    assertArrayEquals(tar, read(LayerStreams.uncompressed(new ByteArrayInputStream(tar), "d")));
  }

  @Test
  void gzipIsUncompressedWhateverTheLabel() throws IOException {
    byte[] gz = gzip(tar);
    assertArrayEquals(tar, read(LayerStreams.uncompressed(new ByteArrayInputStream(gz), "d")));
  }

  @Test
  void everyGzipMemberIsRead() throws IOException {
    ByteArrayOutputStream twoMembers = new ByteArrayOutputStream();
    twoMembers.writeBytes(gzip(new byte[] {1, 2}));
    twoMembers.writeBytes(gzip(new byte[] {3}));
    assertArrayEquals(new byte[] {1, 2, 3}, read(LayerStreams.uncompressed(
        new ByteArrayInputStream(twoMembers.toByteArray()), "d")));
  }

  @Test
  void anEmptyBlobIsAnEmptyStream() throws IOException {
    assertEquals(0, read(LayerStreams.uncompressed(new ByteArrayInputStream(new byte[0]), "d"))
        .length);
  }

  @Test
  void zstdIsRefusedInOneLine() {
    byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0};
    BadInputException e = assertThrows(BadInputException.class,
        () -> LayerStreams.uncompressed(new ByteArrayInputStream(zstd), "sha256:abc"));
    assertEquals("base layer sha256:abc is compressed with zstd, which relpack cannot read yet",
        e.getMessage());
  }
}
