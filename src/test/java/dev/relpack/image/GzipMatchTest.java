package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.blob.Blobs;
import dev.relpack.testsupport.EndlessStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A blob is taken from an earlier image only when it is byte for byte what compressing the layer
 * here gives: the same content under another compression would change the image's digest.
 */
class GzipMatchTest {
  /** Half text, half noise, larger than the compressed prefix, as a real layer is. */
  private static byte[] content(int size, long seed) {
    byte[] bytes = new byte[size];
    Random random = new Random(seed);
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i % 1024 < 512 ? 'a' + (i * 7 + i / 100) % 26 : random.nextInt());
    }
    return bytes;
  }

  private static byte[] gzip(byte[] content, int level) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes) {
      {
        def.setLevel(level);
      }
    }) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  private Optional<String> difference(byte[] blob, byte[] content) throws Exception {
    // as jib's layer writer does, it closes the stream it was given when done
    Blob tar = new Blob() {
      @Override
      public BlobDescriptor writeTo(OutputStream out) throws IOException {
        BlobDescriptor written = Blobs.from(new ByteArrayInputStream(content)).writeTo(out);
        out.close();
        return written;
      }

      @Override
      public boolean isRetryable() {
        return true;
      }
    };
    return GzipMatch.difference(new ByteArrayInputStream(blob), GzipMatch.expected(tar));
  }

  @Test
  void whatThisJvmsGzipMakesOfTheContentMatches() throws Exception {
    for (int size : new int[] {0, 100, GzipMatch.PREFIX - 1, 3 * GzipMatch.PREFIX + 5}) {
      byte[] content = content(size, size);
      assertEquals(Optional.empty(),
          difference(gzip(content, LayerGzip.LEVEL), content), "size " + size);
    }
  }

  @Test
  void theSameContentCompressedAtAnotherLevelDoesNot() throws Exception {
    int compared = 0;
    for (int size : new int[] {5000, 3 * GzipMatch.PREFIX + 5}) {
      byte[] content = content(size, 7);
      for (int level : new int[] {Deflater.DEFAULT_COMPRESSION, 9}) { // jib's, and another
        byte[] blob = gzip(content, level);
        if (Arrays.equals(blob, gzip(content, LayerGzip.LEVEL))) {
          continue; // the same bytes: the same blob, whatever the level
        }
        assertEquals(Optional.of("the same content compressed otherwise (another level or"
            + " compressor)"), difference(blob, content), size + "@" + level);
        compared++;
      }
    }
    assertTrue(compared >= 3, "levels 6 and 9 gave other bytes in " + compared + " cases");
  }

  @Test
  void otherContentOrMoreOrLessOfItDoesNot() throws Exception {
    byte[] content = content(3 * GzipMatch.PREFIX, 1);
    byte[] other = content.clone();
    other[GzipMatch.PREFIX * 2] ^= 1;
    assertTrue(difference(gzip(other, LayerGzip.LEVEL), content).orElseThrow().startsWith(
        "other content after its first " + GzipMatch.PREFIX + " bytes (sha256:"));
    byte[] early = content.clone();
    early[1000] ^= 1;
    assertEquals(Optional.of("other content from byte 1000"),
        difference(gzip(early, LayerGzip.LEVEL), content));
    byte[] longer = Arrays.copyOf(content, content.length + 1);
    assertEquals(Optional.of("more content than the layer's " + content.length + " bytes"),
        difference(gzip(longer, LayerGzip.LEVEL), content));
    byte[] shorter = Arrays.copyOf(content, content.length - 1);
    assertEquals(Optional.of("less content than the layer's " + content.length + " bytes"),
        difference(gzip(shorter, LayerGzip.LEVEL), content));
  }

  @Test
  void bytesAfterTheStreamASecondMemberOrAnotherHeaderDoNot() throws Exception {
    byte[] content = content(1000, 3);
    byte[] blob = gzip(content, LayerGzip.LEVEL);
    byte[] appended = Arrays.copyOf(blob, blob.length + 5);
    assertEquals(Optional.of("5 bytes after the end of its gzip stream"),
        difference(appended, content));

    byte[] first = gzip(Arrays.copyOf(content, 500), LayerGzip.LEVEL);
    byte[] second = gzip(Arrays.copyOfRange(content, 500, 1000), LayerGzip.LEVEL);
    byte[] members = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, members, first.length, second.length);
    assertTrue(difference(members, content).isPresent());

    byte[] otherHeader = blob.clone();
    otherHeader[9] = 3; // the OS byte: Unix
    assertEquals(Optional.of("a gzip header other than relpack's"),
        difference(otherHeader, content));
  }

  @Test
  @Timeout(20)
  void whatFollowsTheStreamIsReadOnlyAsFarAsItTakesToSaySo() throws Exception {
    // a cache or registry may hold a good stream followed by no end of bytes: reading them all
    // would fill the memory, or never end
    byte[] content = content(1000, 5);
    byte[] blob = gzip(content, LayerGzip.LEVEL);
    EndlessStream endless = new EndlessStream(blob, new byte[] {7});
    Optional<String> difference = GzipMatch.contentDifference(endless, GzipMatch.expected(
        Blobs.from(new ByteArrayInputStream(content))));
    assertEquals(Optional.of("more than 4096 bytes after the end of its gzip stream"),
        difference);
    assertTrue(endless.served() < blob.length + (1 << 17), endless.served() + " bytes read");
  }

  /** Deflate's empty stored block, not the last: it inflates to nothing. */
  private static final byte[] EMPTY_BLOCK = {0, 0, 0, (byte) 0xff, (byte) 0xff};

  /** The blob with {@code blocks} empty deflate blocks before its own, the same content. */
  static byte[] padded(byte[] blob, int blocks) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(blob, 0, 10);
    for (int i = 0; i < blocks; i++) {
      bytes.write(EMPTY_BLOCK, 0, EMPTY_BLOCK.length);
    }
    bytes.write(blob, 10, blob.length - 10);
    return bytes.toByteArray();
  }

  @Test
  @Timeout(20)
  void aStreamLongerThanItsContentCanTakeIsNotReadToItsEnd() throws Exception {
    // blocks that inflate to nothing make a stream as long as its maker likes, its content the
    // layer's: a planted cache entry or an earlier image's blob must not be read on and on
    byte[] content = content(20_000, 6);
    byte[] blob = gzip(content, LayerGzip.LEVEL);
    GzipMatch.Expected tar = GzipMatch.expected(Blobs.from(new ByteArrayInputStream(content)));
    assertEquals(Optional.empty(), GzipMatch.contentDifference(
        new ByteArrayInputStream(padded(blob, 10)), tar), "a few empty blocks: the same content");
    byte[] longer = padded(blob, (int) (tar.largestBlob() / EMPTY_BLOCK.length) + 1);
    assertEquals(Optional.of("more than the " + tar.largestBlob() + " compressed bytes the"
        + " layer's 20000 bytes can take"),
        GzipMatch.contentDifference(new ByteArrayInputStream(longer), tar));

    EndlessStream endless = new EndlessStream(Arrays.copyOf(blob, 10), EMPTY_BLOCK); // without end
    assertTrue(GzipMatch.contentDifference(endless, tar).orElseThrow().startsWith("more than"));
    assertTrue(endless.served() < tar.largestBlob() + (1 << 17), endless.served() + " bytes read");
  }

  @Test
  void aCutOrBrokenBlobDoesNot() throws Exception {
    byte[] content = content(1000, 4);
    byte[] blob = gzip(content, LayerGzip.LEVEL);
    assertTrue(difference(Arrays.copyOf(blob, blob.length - 3), content).orElseThrow()
        .contains("trailer"));
    assertTrue(difference(Arrays.copyOf(blob, blob.length / 2), content).isPresent());
    byte[] badCrc = blob.clone();
    badCrc[blob.length - 8] ^= 1;
    assertEquals(Optional.of("a gzip trailer that does not match its content"),
        difference(badCrc, content));
    assertEquals(Optional.of("a gzip header other than relpack's"),
        difference("not gzip at all".getBytes(), content));
  }
}
