package dev.relpack.image;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.cache.CachedLayer;
import com.google.cloud.tools.jib.hash.CountingDigestOutputStream;
import dev.relpack.io.FileTrees;
import dev.relpack.io.TreeSeals;
import dev.relpack.publish.BuildListener;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes one of relpack's layers into jib's cache of them, compressed as relpack compresses
 * ({@link LayerGzip}), where and as jib would have written it: the blob in
 * {@code layers/DIGEST/DIFF_ID}, found through {@code selectors/SELECTOR} (jib's own key for the
 * layer's entries), each put in place by a rename, so that a reader sees a whole entry or none.
 * jib then takes the layer as cached.
 */
final class LayerWriter {
  private LayerWriter() {}

  /**
   * @param application jib's cache of relpack's layers
   * @param listener told of an entry found under the blob's digest that does not hold it
   * @param seals where the entry is sealed as written: the blob's digest was computed from the
   *     bytes written (or an entry already there compared with them byte for byte), so the next
   *     build that takes it need not hash it again
   * @return the entry written (or the same one another build put there first)
   * @throws IOException when a file cannot be read or the cache written, or jib's key for the
   *     layer is out of reach (a jib other than the pinned one)
   */
  static CachedLayer write(Path application, FileEntriesLayer layer, BuildListener listener,
      TreeSeals seals) throws IOException {
    Path staging = application.resolve("tmp").resolve("layer-" + UUID.randomUUID());
    Files.createDirectories(staging);
    try {
      Path compressed = staging.resolve("layer.tmp");
      BlobDescriptor tar;
      BlobDescriptor blob;
      try (CountingDigestOutputStream counted = new CountingDigestOutputStream(
          new BufferedOutputStream(Files.newOutputStream(compressed), 1 << 16))) {
        try (GZIPOutputStream gzip = LayerGzip.over(unclosable(counted))) {
          tar = new LayerTar(layer.getEntries()).writeTo(gzip);
        }
        blob = counted.computeDigest();
      }
      Path written = staging.resolve(tar.getDigest().getHash());
      Files.move(compressed, written);
      Path entry = application.resolve("layers").resolve(blob.getDigest().getHash());
      Files.createDirectories(entry.getParent());
      if (!holds(entry, written)) {
        if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
          listener.warn("cache entry " + entry + " does not match its digest (changed or"
              + " corrupt); building it again");
          FileTrees.deleteRecursively(entry);
        }
        try {
          Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          if (!holds(entry, written)) { // else another build put the same blob there meanwhile
            throw e;
          }
        }
      }
      // after the blob: a file gone missing is then named by the tar writer's error
      DescriptorDigest selector = LayerSelector.of(layer).orElseThrow(() -> new IOException(
          "jib's key for layer " + layer.getName() + " is out of reach (another jib version?)"));
      writeSelector(application, selector, blob.getDigest().toString());
      seals.sealWritten(blob.getDigest().getHash(), entry);
      return CachedLayer.builder().setLayerDigest(blob.getDigest())
          .setLayerDiffId(tar.getDigest()).setLayerSize(blob.getSize())
          .setLayerBlob(Blobs.from(entry.resolve(tar.getDigest().getHash()))).build();
    } finally {
      if (Files.exists(staging)) {
        FileTrees.deleteRecursively(staging);
      }
    }
  }

  /**
   * Whether {@code entry} holds exactly the blob just written (another build put it there first,
   * or an earlier one whose selector is gone): then it is left as it is.
   */
  private static boolean holds(Path entry, Path written) throws IOException {
    if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (Stream<Path> files = Files.list(entry)) {
      List<Path> all = files.toList();
      return all.size() == 1 && all.get(0).getFileName().equals(written.getFileName())
          && Files.isRegularFile(all.get(0), LinkOption.NOFOLLOW_LINKS)
          && Files.mismatch(all.get(0), written) == -1;
    }
  }

  /** Points jib's {@code selector} at the blob {@code digest}, replacing what it named. */
  static void writeSelector(Path application, DescriptorDigest selector, String digest)
      throws IOException {
    Path selectors = Files.createDirectories(application.resolve("selectors"));
    Path temporary = Files.createDirectories(application.resolve("tmp"))
        .resolve("selector-" + UUID.randomUUID());
    Files.write(temporary, LayerCache.hex(digest).getBytes(StandardCharsets.UTF_8));
    Files.move(temporary, selectors.resolve(selector.getHash()), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** {@code out}, but closing it only flushes: the digest is taken after gzip's end. */
  private static OutputStream unclosable(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] bytes, int from, int count) throws IOException {
        out.write(bytes, from, count);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }
}
