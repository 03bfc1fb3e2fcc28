package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.base.LayerIndex.Directory;
import dev.relpack.base.LayerIndex.HardLink;
import dev.relpack.base.LayerIndex.Opaque;
import dev.relpack.base.LayerIndex.RegularFile;
import dev.relpack.base.LayerIndex.Special;
import dev.relpack.base.LayerIndex.Symlink;
import dev.relpack.base.LayerIndex.Whiteout;
import dev.relpack.elf.ElfReader;
import dev.relpack.error.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class LayerIndexCacheTest {
  private static final Path TRUE = Path.of("/bin/true");

  @TempDir
  Path cacheRoot;
  @TempDir
  Path work;

  private final List<String> warnings = new ArrayList<>();
  private final AtomicInteger opens = new AtomicInteger();

  private LayerIndexCache cache() {
    return new LayerIndexCache(cacheRoot, new LayerIndexer(work), warnings::add);
  }

  private List<BaseLayer> base() {
    return List.of(
        new LayerTar().symlink("lib", "usr/lib").copy("usr/bin/true", TRUE)
            .file("usr/lib/libz.so.1", "z").layer(opens),
        new LayerTar().file("etc/os-release", "ID=debian\n").layer(opens),
        new LayerTar().whiteout("usr/lib/libz.so.1").layer(opens));
  }

  private static void assertIsTheBase(ImageFileTree tree) throws Exception {
    assertEquals(Optional.of(ElfReader.read(TRUE)), tree.elf("/usr/bin/true"));
    assertEquals(Optional.of("ID=debian\n"), tree.text("/etc/os-release"));
    assertEquals(List.of(), tree.list("/lib"), "the whiteout applied");
  }

  private Path indexFile(BaseLayer layer) {
    return cacheRoot.resolve("base-index/" + layer.digest().replace(':', '-') + ".index");
  }

  @Test
  void aSecondTreeOfTheSameBaseOpensNoLayer() throws Exception {
    List<BaseLayer> base = base();
    assertIsTheBase(cache().tree(base));
    assertEquals(3, opens.get());
    assertIsTheBase(cache().tree(base));
    assertEquals(3, opens.get(), "every layer came from the cache");
    assertEquals(List.of(), warnings);
    try (Stream<Path> files = Files.list(cacheRoot.resolve("base-index"))) {
      assertEquals(3, files.count());
    }
  }

  /** A way another job (or a disk) can spoil an index file. */
  private interface Spoiler {
    void spoil(Path file, Path otherLayersFile) throws IOException;
  }

  private void assertReindexedWithWarning(String reason, Spoiler spoiler) throws Exception {
    List<BaseLayer> base = base();
    cache().tree(base);
    spoiler.spoil(indexFile(base.get(1)), indexFile(base.get(0)));
    opens.set(0);
    assertIsTheBase(cache().tree(base));
    assertEquals(1, opens.get(), "only the spoiled layer was read again");
    assertEquals(List.of("cached index " + indexFile(base.get(1)) + " of base layer "
        + base.get(1).digest() + " cannot be used (" + reason + "); reading the layer again"),
        warnings);
    warnings.clear();
    opens.set(0);
    assertIsTheBase(cache().tree(base));
    assertEquals(0, opens.get(), "the file was replaced");
    assertEquals(List.of(), warnings);
  }

  @Test
  void aBaseOfMoreLayersThanAnyRuntimeStacksIsRefusedBeforeOneIsRead() {
    List<BaseLayer> layers = new java.util.ArrayList<>();
    for (int i = 0; i <= LayerIndexCache.MAX_LAYERS; i++) {
      layers.add(new BaseLayer("sha256:" + "0".repeat(63) + (i % 10), () -> {
        throw new AssertionError("no layer is opened");
      }));
    }
    dev.relpack.error.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.relpack.error.BadInputException.class, () -> cache().tree(layers));
    org.junit.jupiter.api.Assertions.assertEquals("the base has 513 layers; relpack reads at most"
        + " 512 (container runtimes stack about 128)", e.getMessage());
  }

  @Test
  void aChangedByteIsCaughtByTheChecksum() throws Exception {
    assertReindexedWithWarning("its content does not match its checksum", (file, other) -> {
      byte[] bytes = Files.readAllBytes(file);
      bytes[bytes.length - 3] ^= 1;
      Files.write(file, bytes);
    });
  }

  @Test
  void aTruncatedFileIsReindexed() throws Exception {
    assertReindexedWithWarning("truncated or extended", (file, other) -> {
      byte[] bytes = Files.readAllBytes(file);
      Files.write(file, Arrays.copyOf(bytes, bytes.length - 5));
    });
  }

  @Test
  void anotherFormatVersionIsReindexed() throws Exception {
    assertReindexedWithWarning("format version 99, not " + LayerIndexCodec.VERSION,
        (file, other) -> {
          byte[] bytes = Files.readAllBytes(file);
          bytes[8] = 99; // the version follows the 8-byte magic
          Files.write(file, bytes);
        });
  }

  @Test
  void anotherLayersIndexUnderThisDigestIsReindexed() throws Exception {
    assertReindexedWithWarning("it indexes another layer", (file, other) ->
        Files.copy(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING));
  }

  @Test
  void garbageIsReindexed() throws Exception {
    assertReindexedWithWarning("not a relpack layer index", (file, other) ->
        Files.writeString(file, "{\"json\": \"perhaps\"}"));
  }

  @Test
  void anEmptyFileIsReindexed() throws Exception {
    assertReindexedWithWarning("truncated or malformed", (file, other) -> Files.write(file,
        new byte[0]));
  }

  @Test
  void aSymlinkInPlaceOfTheFileIsNotFollowed() throws Exception {
    assertReindexedWithWarning("it is not a regular file", (file, other) -> {
      Files.delete(file);
      Files.createSymbolicLink(file, other);
    });
  }

  @Test
  void aDirectoryInTheWayIsReportedAndTheTreeStillMade() throws Exception {
    List<BaseLayer> base = base();
    Files.createDirectories(indexFile(base.get(0)).resolve("sub"));
    assertIsTheBase(cache().tree(base));
    assertEquals(2, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("(it is not a regular file)"), warnings.get(0));
    assertTrue(warnings.get(1).startsWith("cannot store the index of base layer "
        + base.get(0).digest()), warnings.get(1));
  }

  @Test
  void twoBuildsIndexingTheSameLayerAtOnceBothSucceed() throws Exception {
    byte[] tar = new LayerTar().copy("usr/bin/true", TRUE).file("etc/os-release", "ID=x\n")
        .bytes();
    CyclicBarrier bothReading = new CyclicBarrier(2);
    BaseLayer layer = new BaseLayer("sha256:" + dev.relpack.io.Sha256.of(tar), () -> {
      opens.incrementAndGet();
      try {
        bothReading.await(60, TimeUnit.SECONDS); // neither has stored its index yet
      } catch (Exception e) {
        throw new IOException(e);
      }
      return new ByteArrayInputStream(tar);
    });
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<ImageFileTree>> builds = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        builds.add(pool.submit(() -> cache().tree(List.of(layer))));
      }
      for (Future<ImageFileTree> build : builds) {
        assertEquals(Optional.of("ID=x\n"), build.get().text("/etc/os-release"));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(2, opens.get());
    assertEquals(Optional.of("ID=x\n"), cache().tree(List.of(layer)).text("/etc/os-release"));
    assertEquals(2, opens.get(), "the index either build stored is whole");
    assertEquals(List.of(), warnings);
    try (Stream<Path> files = Files.list(cacheRoot.resolve("base-index"))) {
      assertEquals(List.of(indexFile(layer)), files.toList(), "no temporary file is left");
    }
  }

  @Test
  void aDigestThatIsNoDigestIsRefused() {
    BaseLayer layer = new BaseLayer("sha256:../../../etc/x", () -> {
      throw new AssertionError("not opened");
    });
    BadInputException e = assertThrows(BadInputException.class, () -> cache().tree(List.of(layer)));
    assertEquals("base layer digest \"sha256:../../../etc/x\" is not a digest (ALGORITHM:HEX);"
        + " refusing the base", e.getMessage());
  }

  @Test
  void theCodecKeepsEveryFact() throws Exception {
    LayerIndex index = new LayerIndex("sha256:" + "a".repeat(64), List.of(
        new Directory("/", 0755),
        new Directory("/usr", 0755),
        new RegularFile("/usr/bin/true", 0755, 35664, Optional.of(ElfReader.read(TRUE)),
            Optional.empty()),
        new RegularFile("/usr/bin/truest", 04711, 1L << 40, Optional.empty(), Optional.empty()),
        new RegularFile("/etc/os-release", 0644, 10, Optional.empty(),
            Optional.of("NAME=\"D\u00e9bian\"\n")),
        new Symlink("/usr/share/\u65e5\u672c/\ud83d\ude00", "../\u00fc"),
        new Symlink("/usr/share/\u65e5\u672c/\ud83d\ude01", "/abs"),
        new HardLink("/usr/bin/hard", "/usr/bin/true"),
        new Special("/dev/null"),
        new Whiteout("/usr/lib/gone"),
        new Opaque("/usr/lib")));
    byte[] encoded = LayerIndexCodec.encode(index);
    assertEquals(index, LayerIndexCodec.decode(encoded, index.digest()));
    assertArrayEquals(encoded, LayerIndexCodec.encode(LayerIndexCodec.decode(encoded,
        index.digest())));
    assertThrows(LayerIndexCodec.Unusable.class,
        () -> LayerIndexCodec.decode(encoded, "sha256:" + "b".repeat(64)));
  }
}
