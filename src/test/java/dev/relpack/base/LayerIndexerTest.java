package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.base.LayerIndex.Directory;
import dev.relpack.base.LayerIndex.HardLink;
import dev.relpack.base.LayerIndex.Opaque;
import dev.relpack.base.LayerIndex.RegularFile;
import dev.relpack.base.LayerIndex.Symlink;
import dev.relpack.base.LayerIndex.Whiteout;
import dev.relpack.elf.ElfReader;
import dev.relpack.elf.RootFileSystem;
import dev.relpack.error.BadInputException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerIndexerTest {
  private static final Path TRUE = Path.of("/bin/true");
  private static final Path LIBJLI =
      Path.of(System.getProperty("java.home"), "lib", "libjli.so");

  @TempDir
  Path work;

  private LayerIndex index(LayerTar tar) throws IOException {
    return index(tar, LayerIndexer.DEFAULT_IN_MEMORY_ELF_BYTES);
  }

  private LayerIndex index(LayerTar tar, long inMemoryElfBytes) throws IOException {
    BaseLayer layer = tar.layer();
    try (InputStream in = layer.open()) {
      return new LayerIndexer(work.resolve("spool"), inMemoryElfBytes).index(layer.digest(), in);
    }
  }

  private static RegularFile file(LayerIndex index, String path) {
    return index.entries().stream().filter(e -> e.path().equals(path))
        .map(RegularFile.class::cast).findFirst().orElseThrow();
  }

  @Test
  void recordsEveryKindInTarOrderWithNormalisedPaths() throws IOException {
    LayerIndex index = index(new LayerTar()
        .dir("./usr/")
        .file("/usr/bin/env", new byte[] {'#', '!'}, 0755)
        .symlink("./usr/bin/sh", "dash")
        .hardLink("usr/bin/env2", "./usr/./bin/env")
        .whiteout("usr/lib/libold.so")
        .opaque("usr/share/doc")
        .file("usr/lib/.wh..wh.plnk/123", "aufs bookkeeping, skipped"));
    assertEquals(List.of(
        new Directory("/usr", 0755),
        new RegularFile("/usr/bin/env", 0755, 2, Optional.empty(), Optional.empty()),
        new Symlink("/usr/bin/sh", "dash"),
        new HardLink("/usr/bin/env2", "/usr/bin/env"),
        new Whiteout("/usr/lib/libold.so"),
        new Opaque("/usr/share/doc"),
        new RegularFile("/usr/lib/.wh..wh.plnk/123", 0644, 25, Optional.empty(),
            Optional.empty())), index.entries());
  }

  @Test
  void elfFactsOfAMachineFileReadInMemory() throws Exception {
    LayerIndex index = index(new LayerTar().copy("usr/bin/true", TRUE).copy("lib/libjli.so", LIBJLI));
    assertEquals(Optional.of(ElfReader.read(TRUE)), file(index, "/usr/bin/true").elf());
    assertEquals(Optional.of(ElfReader.read(LIBJLI)), file(index, "/lib/libjli.so").elf());
    assertTrue(file(index, "/usr/bin/true").executable());
    assertFalse(Files.exists(work.resolve("spool")), "nothing spooled");
  }

  @Test
  void elfFactsOfAMachineFileReadThroughTheSpool() throws Exception {
    List<Path> spooled = new ArrayList<>();
    LayerTar tar = new LayerTar().copy("usr/bin/true", TRUE).copy("lib/libjli.so", LIBJLI);
    BaseLayer layer = tar.layer();
    // watch the spool directory while the layer is read: each ELF file goes there, one at a time
    InputStream watched = new FilterInputStream(layer.open()) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Path spool = work.resolve("spool");
        if (Files.isDirectory(spool)) {
          try (Stream<Path> files = Files.list(spool)) {
            files.filter(p -> !spooled.contains(p)).forEach(spooled::add);
          }
        }
        return super.read(b, off, len);
      }
    };
    LayerIndex index = new LayerIndexer(work.resolve("spool"), 0).index(layer.digest(), watched);
    assertEquals(Optional.of(ElfReader.read(TRUE)), file(index, "/usr/bin/true").elf());
    assertEquals(Optional.of(ElfReader.read(LIBJLI)), file(index, "/lib/libjli.so").elf());
    assertEquals(2, spooled.size(), "each ELF file was spooled: " + spooled);
    try (Stream<Path> left = Files.list(work.resolve("spool"))) {
      assertEquals(List.of(), left.toList(), "and deleted right after");
    }
  }

  @Test
  void anUnparseableElfFileIsAPlainFile() throws IOException {
    byte[] broken = Arrays.copyOf(Files.readAllBytes(TRUE), 100); // headers point past the end
    LayerIndex index = index(new LayerTar().file("usr/bin/broken", broken, 0755)
        .file("usr/bin/magic-only", new byte[] {0x7f, 'E', 'L', 'F'}, 0755));
    assertEquals(Optional.empty(), file(index, "/usr/bin/broken").elf());
    assertEquals(Optional.empty(), file(index, "/usr/bin/magic-only").elf());
    assertEquals(100, file(index, "/usr/bin/broken").size());
  }

  @Test
  void textIsKeptForTheLoadersFilesAndPackageDatabasesOnly() throws IOException {
    LayerIndex index = index(new LayerTar()
        .file("etc/os-release", "ID=alpine\n")
        .file("usr/lib/os-release", "ID=debian\n")
        .file("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")
        .file("etc/ld.so.conf.d/libc.conf", "/usr/local/lib\n")
        .file("etc/ld-musl-x86_64.path", "/lib:/usr/lib\n")
        .file("etc/alpine-release", "3.20.0\n")
        .file("etc/debian_version", "12.10\n")
        .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        .file("etc/ld.so.conf.d/sub/deeper.conf", "/nested\n")
        .file("var/lib/dpkg/status", "Package: libc6\n")
        .file("var/lib/dpkg/status.d/libssl3", "Package: libssl3\n")
        .file("var/lib/dpkg/status.d/libssl3.md5sums", "0 usr/lib/libssl.so.3\n")
        .file("var/lib/dpkg/info/libc6.list", "/lib/libc.so.6\n")
        .file("lib/apk/db/installed", "P:musl\n"));
    for (String kept : List.of("/etc/os-release", "/usr/lib/os-release", "/etc/ld.so.conf",
        "/etc/ld.so.conf.d/libc.conf", "/etc/ld-musl-x86_64.path", "/etc/alpine-release",
        "/etc/debian_version", "/var/lib/dpkg/status", "/var/lib/dpkg/status.d/libssl3",
        "/lib/apk/db/installed")) {
      assertTrue(file(index, kept).text().isPresent(), kept);
    }
    assertEquals(Optional.of("ID=alpine\n"), file(index, "/etc/os-release").text());
    for (String dropped : List.of("/etc/passwd", "/etc/ld.so.conf.d/sub/deeper.conf",
        "/var/lib/dpkg/status.d/libssl3.md5sums", "/var/lib/dpkg/info/libc6.list")) {
      assertEquals(Optional.empty(), file(index, dropped).text(), dropped);
    }
  }

  @Test
  void textLongerThanTheLimitIsNotKept() throws IOException {
    byte[] big = new byte[RootFileSystem.MAX_TEXT_BYTES + 1];
    LayerIndex index = index(new LayerTar().file("etc/os-release", big, 0644)
        .file("var/lib/dpkg/status", big, 0644));
    assertEquals(Optional.empty(), file(index, "/etc/os-release").text());
    assertEquals(big.length, file(index, "/var/lib/dpkg/status").text().orElseThrow().length(),
        "a package database has a larger bound of its own");
    byte[] huge = new byte[(int) PackageDatabase.MAX_DATABASE_BYTES + 1];
    index = index(new LayerTar().file("var/lib/dpkg/status", huge, 0644));
    assertEquals(Optional.empty(), file(index, "/var/lib/dpkg/status").text());
  }

  @Test
  void anEntryOutsideTheRootIsRefusedNamingTheLayer() {
    LayerTar tar = new LayerTar().file("usr/../../etc/cron.d/evil", "x");
    BaseLayer layer = tar.layer();
    BadInputException e = assertThrows(BadInputException.class,
        () -> new LayerIndexer(work).index(layer.digest(), layer.open()));
    assertEquals("base layer " + layer.digest() + " has an entry \"usr/../../etc/cron.d/evil\""
        + " outside the image's root; refusing the layer as corrupt or hostile", e.getMessage());
  }

  @Test
  void aHardLinkOutsideTheRootIsRefused() {
    BaseLayer layer = new LayerTar().hardLink("etc/x", "../../etc/shadow").layer();
    BadInputException e = assertThrows(BadInputException.class,
        () -> new LayerIndexer(work).index(layer.digest(), layer.open()));
    assertTrue(e.getMessage().contains("\"../../etc/shadow\" outside the image's root"),
        e.getMessage());
  }

  @Test
  void aNameLongerThanLinuxAllowsIsRefused() {
    BaseLayer layer = new LayerTar().file("a/" + "b".repeat(5000), "x").layer();
    BadInputException e = assertThrows(BadInputException.class,
        () -> new LayerIndexer(work).index(layer.digest(), layer.open()));
    assertTrue(e.getMessage().startsWith("base layer " + layer.digest()
        + " has a name or link target of 5002 characters"), e.getMessage());
  }

  @Test
  void aWhiteoutForNothingIsRefused() {
    BaseLayer layer = new LayerTar().file("etc/.wh...", "").layer();
    assertThrows(BadInputException.class,
        () -> new LayerIndexer(work).index(layer.digest(), layer.open()));
  }

  @Test
  void readsTheLayerToItsEndSoItsDigestIsChecked() throws IOException {
    byte[] tar = new LayerTar().file("a", "x").bytes();
    byte[] padded = Arrays.copyOf(tar, tar.length + 10 * 1024); // more zero blocks after the end
    InputStream in = new java.io.ByteArrayInputStream(padded);
    new LayerIndexer(work).index("sha256:0", in);
    assertEquals(-1, in.read());
  }

  @Test
  void aMalformedTarIsBadInputNamingTheLayer() {
    byte[] tar = new LayerTar().file("etc/os-release", "ID=x\n").bytes();
    tar[148] ^= 0x55; // the header checksum
    BadInputException e = assertThrows(BadInputException.class,
        () -> new LayerIndexer(work).index("sha256:1", new java.io.ByteArrayInputStream(tar)));
    assertTrue(e.getMessage().startsWith("base layer sha256:1 is not a readable tar ("),
        e.getMessage());
  }

  @Test
  void aLayerWhoseStreamFailsIsBadInputNamingIt() {
    byte[] tar = new LayerTar().copy("usr/bin/true", TRUE).bytes();
    IOException digestMismatch = new IOException("layer sha256:1 does not match its digest");
    InputStream failing = new FilterInputStream(new java.io.ByteArrayInputStream(tar)) {
      private int reads;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (++reads > 3) {
          throw digestMismatch;
        }
        return super.read(b, off, Math.min(len, 512));
      }
    };
    // what reaches the indexer as an IOException is the layer's own compression failing
    BadInputException e = assertThrows(BadInputException.class,
        () -> new LayerIndexer(work).index("sha256:1", failing));
    assertEquals(digestMismatch, e.getCause());
    assertTrue(e.getMessage().startsWith("base layer sha256:1 cannot be uncompressed"),
        e.getMessage());
  }
}
