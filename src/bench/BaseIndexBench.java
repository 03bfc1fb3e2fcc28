import dev.relpack.base.BaseLayer;
import dev.relpack.base.ImageFileTree;
import dev.relpack.base.LayerIndexCache;
import dev.relpack.base.LayerIndexer;
import dev.relpack.base.LayerStreams;
import dev.relpack.io.Sha256;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * How long indexing a base layer takes, first from the layer and then from the cache, and how
 * much heap it needs: a 50 MB layer made of this machine's /usr/lib/x86_64-linux-gnu.
 *
 *   mvn -B -o -q package -DskipTests
 *   java -Xmx48m -cp target/relpack.jar src/bench/BaseIndexBench.java [MEGABYTES]
 *
 * Run it with a small -Xmx to see that no layer is held in memory.
 */
public class BaseIndexBench {
  public static void main(String[] args) throws Exception {
    long budget = (args.length > 0 ? Long.parseLong(args[0]) : 50) << 20;
    Path work = Files.createTempDirectory("relpack-index-bench");
    try {
      Path tar = work.resolve("layer.tar");
      int entries = writeLayer(Path.of("/usr/lib/x86_64-linux-gnu"), tar, budget);
      Path gz = work.resolve("layer.tar.gz");
      try (InputStream in = Files.newInputStream(tar);
          OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16)) {
        in.transferTo(out);
      }
      System.out.printf("layer: %d entries, %.1f MB tar, %.1f MB gzip%n", entries,
          Files.size(tar) / 1e6, Files.size(gz) / 1e6);
      String digest = "sha256:" + Sha256.of(tar);
      String gzDigest = "sha256:" + Sha256.of(gz);

      for (int run = 1; run <= 3; run++) {
        Path cache = work.resolve("cache" + run);
        BaseLayer plain = new BaseLayer(digest,
            () -> new BufferedInputStream(Files.newInputStream(tar), 1 << 16));
        BaseLayer zipped = new BaseLayer(gzDigest,
            () -> LayerStreams.uncompressed(Files.newInputStream(gz), gzDigest));
        resetPeaks();
        long t0 = System.nanoTime();
        ImageFileTree first = cacheAt(cache, work).tree(List.of(plain));
        long t1 = System.nanoTime();
        long heap = peakHeap();
        cacheAt(cache.resolve("gz"), work).tree(List.of(zipped));
        long t2 = System.nanoTime();
        ImageFileTree again = cacheAt(cache, work).tree(List.of(plain));
        long t3 = System.nanoTime();
        Path index = cache.resolve("base-index/" + digest.replace(':', '-') + ".index");
        System.out.printf("run %d: index from tar %d ms (peak heap %d MB), from gzip %d ms,"
            + " from cache %d ms (index file %d KB); libc found: %s %s%n", run,
            (t1 - t0) / 1_000_000, heap >> 20, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
            Files.size(index) >> 10, first.elf("/usr/lib/x86_64-linux-gnu/libc.so.6").isPresent(),
            again.elf("/usr/lib/x86_64-linux-gnu/libc.so.6").isPresent());
      }
      // loading alone, warm: read, check and decode the index, then build the tree
      Path cache = work.resolve("cache1");
      BaseLayer cached = new BaseLayer(digest, () -> {
        throw new IOException("not opened: the index is cached");
      });
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 200; i++) {
        long t0 = System.nanoTime();
        cacheAt(cache, work).tree(List.of(cached));
        best = Math.min(best, System.nanoTime() - t0);
      }
      System.out.printf("from cache, warm JVM, best of 200: %.2f ms%n", best / 1e6);
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static LayerIndexCache cacheAt(Path cache, Path work) {
    return new LayerIndexCache(cache, new LayerIndexer(work.resolve("spool")),
        w -> System.out.println("warning: " + w));
  }

  /** A tar of the directory's files (links as links), up to {@code budget} bytes of content. */
  private static int writeLayer(Path dir, Path tar, long budget) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.sorted().toList();
    }
    // the smallest files first, as a distribution layer is mostly small files (libc included)
    java.util.Set<Path> chosen = new java.util.HashSet<>();
    long total = 0;
    List<Path> bySize = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(path)) {
        bySize.add(path);
      }
    }
    bySize.sort(java.util.Comparator.comparingLong(BaseIndexBench::size));
    Path libc = dir.resolve("libc.so.6").toRealPath();
    bySize.remove(libc);
    bySize.add(0, libc);
    for (Path path : bySize) {
      if (total + size(path) > budget) {
        break;
      }
      total += size(path);
      chosen.add(path);
    }
    long written = 0;
    int entries = 0;
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(
        new java.io.BufferedOutputStream(Files.newOutputStream(tar), 1 << 16))) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Path path : paths) {
        String name = path.toString().substring(1);
        TarArchiveEntry entry;
        boolean content = false;
        if (Files.isSymbolicLink(path)) {
          entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
          entry.setLinkName(Files.readSymbolicLink(path).toString());
        } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          entry = new TarArchiveEntry(name + "/");
        } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
            && chosen.contains(path)) {
          entry = new TarArchiveEntry(name);
          entry.setSize(Files.size(path));
          entry.setMode(Files.isExecutable(path) ? 0100755 : 0100644);
          written += Files.size(path);
          content = true;
        } else {
          continue;
        }
        out.putArchiveEntry(entry);
        if (content) {
          Files.copy(path, out);
        }
        out.closeArchiveEntry();
        entries++;
      }
    }
    return entries;
  }

  private static long size(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  private static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  /** Peak heap since the last reset, summed over the pools (an upper bound on the live peak). */
  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
