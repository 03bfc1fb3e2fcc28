package dev.relpack.base;

import dev.relpack.error.BadInputException;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.Futures;
import dev.relpack.io.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The indexes of base layers, kept in {@code <cacheRoot>/base-index/} by layer digest so that a
 * check against a base seen before reads none of its layers. A layer's content never changes
 * under its digest, so an index, once made, stays right. Other jobs write the same directory:
 * a file that is not a whole index of this format for this digest (corrupt, truncated, of
 * another version, tampered with) is treated as absent, reported, and replaced. Files are
 * written whole or not at all, so builds indexing the same layer at once both succeed.
 */
public final class LayerIndexCache {
  /** More layers than any runtime stacks; the bound keeps a hostile manifest's cost finite. */
  static final int MAX_LAYERS = 512;
  /** Entries of all layers together (a large distribution holds about 100,000). */
  static final long MAX_TREE_ENTRIES = 4_000_000;
  /** Indexes are a few hundred KiB; the largest a layer within the indexer's limits makes. */
  private static final long MAX_FILE_BYTES = 512L << 20;
  private static final Pattern DIGEST = Pattern.compile("([a-z0-9]+):([a-f0-9]{32,128})");

  private final Path directory;
  private final LayerIndexer indexer;
  private final Consumer<String> warn;

  /**
   * @param cacheRoot the cache's (versioned) root; indexes go in its {@code base-index}
   * @param indexer reads the layers that have no index yet
   * @param warn told, in one line each, about cache files that could not be used or stored
   */
  public LayerIndexCache(Path cacheRoot, LayerIndexer indexer, Consumer<String> warn) {
    this.directory = cacheRoot.resolve("base-index");
    this.indexer = indexer;
    this.warn = warn;
  }

  /**
   * The file system the layers make, bottom first, opening only layers not indexed before. Layers
   * are read side by side, one per core: downloading, gunzipping and reading ELF headers keep a
   * core busy each, and a base has a few layers.
   */
  public ImageFileTree tree(List<BaseLayer> layers) throws IOException {
    if (layers.size() > MAX_LAYERS) {
      throw new BadInputException("the base has " + layers.size() + " layers; relpack reads at"
          + " most " + MAX_LAYERS + " (container runtimes stack about 128)");
    }
    int threads = Math.max(1, Math.min(layers.size(), Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
      Thread thread = new Thread(task, "relpack-base-index");
      thread.setDaemon(true); // a build given up on (its deadline passed) must still exit
      return thread;
    });
    try {
      List<Future<LayerIndex>> pending = new ArrayList<>(layers.size());
      for (BaseLayer layer : layers) {
        pending.add(pool.submit(() -> index(layer)));
      }
      List<LayerIndex> indexes = new ArrayList<>(layers.size());
      long entries = 0;
      for (Future<LayerIndex> index : pending) {
        indexes.add(result(index));
        entries += indexes.get(indexes.size() - 1).entries().size();
        if (entries > MAX_TREE_ENTRIES) {
          throw new BadInputException("the base's layers hold more than " + MAX_TREE_ENTRIES
              + " entries together; refusing the base");
        }
      }
      return ImageFileTree.of(indexes);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A layer's index, its failure thrown as it was raised. */
  private static LayerIndex result(Future<LayerIndex> index) throws IOException {
    return Futures.result(index, "reading the base's layers");
  }

  /** The layer's index, from the cache or else read from the layer (and then stored). */
  public LayerIndex index(BaseLayer layer) throws IOException {
    Path file = fileFor(layer.digest());
    Optional<LayerIndex> cached = load(file, layer.digest());
    if (cached.isPresent()) {
      return cached.get();
    }
    LayerIndex index;
    try (InputStream tar = layer.open()) {
      index = indexer.index(layer.digest(), tar);
    }
    store(file, index);
    return index;
  }

  private Path fileFor(String digest) {
    var parts = DIGEST.matcher(digest);
    if (!parts.matches()) {
      throw new BadInputException("base layer digest \"" + Printable.of(digest)
          + "\" is not a digest (ALGORITHM:HEX); refusing the base");
    }
    return directory.resolve(parts.group(1) + "-" + parts.group(2) + ".index");
  }

  private Optional<LayerIndex> load(Path file, String digest) throws IOException {
    byte[] bytes;
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
          unusable(file, digest, "it is not a regular file");
        }
        return Optional.empty();
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        unusable(file, digest, "it is larger than any index");
        return Optional.empty();
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // removed by another job meanwhile
    }
    try {
      return Optional.of(LayerIndexCodec.decode(bytes, digest));
    } catch (LayerIndexCodec.Unusable e) {
      unusable(file, digest, e.getMessage());
      return Optional.empty();
    }
  }

  private void unusable(Path file, String digest, String reason) {
    warn.accept("cached index " + file + " of base layer " + digest + " cannot be used ("
        + reason + "); reading the layer again");
  }

  private void store(Path file, LayerIndex index) {
    try {
      // a rename replaces a symlink put there, never what it points to
      AtomicFiles.write(file, LayerIndexCodec.encode(index));
    } catch (IOException e) {
      warn.accept("cannot store the index of base layer " + index.digest() + " in " + directory
          + " (" + e.getMessage() + "); the next check will read the layer again");
    }
  }
}
