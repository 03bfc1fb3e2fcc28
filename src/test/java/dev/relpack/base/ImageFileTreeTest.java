package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.elf.ElfFile;
import dev.relpack.elf.ElfReader;
import dev.relpack.elf.LibraryResolver;
import dev.relpack.elf.LibraryResolver.Needing;
import dev.relpack.elf.LibraryResolver.Resolution;
import dev.relpack.elf.LoaderSearchPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFileTreeTest {
  private static final Path LOADER = Path.of("/lib64/ld-linux-x86-64.so.2");
  private static final Path LIBC = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
  private static final Path TRUE = Path.of("/bin/true");

  @TempDir
  Path work;

  private ImageFileTree tree(LayerTar... layers) throws IOException {
    List<LayerIndex> indexes = new ArrayList<>();
    for (LayerTar layer : layers) {
      BaseLayer base = layer.layer();
      indexes.add(new LayerIndexer(work).index(base.digest(), base.open()));
    }
    return ImageFileTree.of(indexes);
  }

  @Test
  void whiteoutDeletesALowerFile() throws IOException {
    ImageFileTree tree = tree(
        new LayerTar().file("usr/lib/libcrypto.so.3", "x").file("usr/lib/libssl.so.3", "y"),
        new LayerTar().whiteout("usr/lib/libcrypto.so.3"));
    assertFalse(tree.isRegularFile("/usr/lib/libcrypto.so.3"));
    assertTrue(tree.isRegularFile("/usr/lib/libssl.so.3"));
    assertEquals(List.of("libssl.so.3"), tree.list("/usr/lib"));
  }

  @Test
  void whiteoutOfADirectoryDeletesItsSubtree() throws IOException {
    ImageFileTree tree = tree(
        new LayerTar().dir("opt/erlang").file("opt/erlang/lib/crypto/priv/crypto.so", "x")
            .file("opt/keep", "k"),
        new LayerTar().whiteout("opt/erlang"));
    assertFalse(tree.isDirectory("/opt/erlang"));
    assertFalse(tree.isDirectory("/opt/erlang/lib"));
    assertFalse(tree.isRegularFile("/opt/erlang/lib/crypto/priv/crypto.so"));
    assertEquals(List.of("keep"), tree.list("/opt"));
  }

  @Test
  void whiteoutActsOnLowerLayersOnlyWhereverTheTarPutsIt() throws IOException {
    // the new file comes first in the tar, its whiteout after it: the file stays
    ImageFileTree tree = tree(
        new LayerTar().file("etc/motd", "old"),
        new LayerTar().file("etc/motd", "new").whiteout("etc/motd"));
    assertTrue(tree.isRegularFile("/etc/motd"));
  }

  @Test
  void opaqueDirectoryHidesLowerChildrenButKeepsItsOwnLayers() throws IOException {
    ImageFileTree tree = tree(
        new LayerTar().file("usr/lib/libz.so.1", "z").file("usr/lib/sub/libtinfo.so.6", "t")
            .file("usr/bin/sh", "s"),
        new LayerTar().file("usr/lib/libnew.so", "n").opaque("usr/lib")
            .file("usr/lib/libafter.so", "a"));
    assertEquals(List.of("libafter.so", "libnew.so"), tree.list("/usr/lib"));
    assertFalse(tree.isRegularFile("/usr/lib/libz.so.1"));
    assertFalse(tree.isDirectory("/usr/lib/sub"));
    assertTrue(tree.isRegularFile("/usr/bin/sh"), "only that directory is opaque");
  }

  @Test
  void laterEntriesReplaceEarlierOnes() throws IOException {
    ImageFileTree tree = tree(
        new LayerTar().file("etc/os-release", "ID=debian\n").file("opt/x/child", "c")
            .file("bin/sh", new byte[] {1}, 0644),
        new LayerTar().file("etc/os-release", "ID=alpine\n").file("opt/x", "now a file")
            .file("bin/sh", new byte[] {1}, 0755));
    assertEquals(Optional.of("ID=alpine\n"), tree.text("/etc/os-release"));
    assertTrue(tree.isRegularFile("/opt/x"));
    assertFalse(tree.isRegularFile("/opt/x/child"), "a file over a directory removes it");
    assertTrue(tree.isExecutable("/bin/sh"));
  }

  @Test
  void directoryOverDirectoryKeepsLowerChildren() throws IOException {
    ImageFileTree tree = tree(
        new LayerTar().dir("usr").dir("usr/lib").file("usr/lib/libz.so.1", "z"),
        new LayerTar().dir("usr").dir("usr/lib").file("usr/lib/libm.so.6", "m"));
    assertEquals(List.of("libm.so.6", "libz.so.1"), tree.list("/usr/lib"));
  }

  @Test
  void hardLinkSharesItsTargetsContentAsTheTreeHoldsIt() throws Exception {
    ImageFileTree tree = tree(
        new LayerTar().copy("usr/bin/true", TRUE),
        new LayerTar().hardLink("usr/bin/also-true", "usr/bin/true")
            .hardLink("usr/bin/nothing", "usr/bin/missing"),
        new LayerTar().file("usr/bin/true", "replaced later"));
    assertTrue(tree.isExecutable("/usr/bin/also-true"));
    assertEquals(Optional.of(ElfReader.read(TRUE)), tree.elf("/usr/bin/also-true"),
        "the link keeps the content it was made with");
    assertEquals(Optional.empty(), tree.elf("/usr/bin/true"));
    assertFalse(tree.isRegularFile("/usr/bin/nothing"), "a link to nothing makes nothing");
  }

  @Test
  void hardLinkInTheSameLayerAsItsTarget() throws IOException {
    ImageFileTree tree = tree(new LayerTar().file("etc/debian_version", "12.10\n")
        .hardLink("etc/copy", "./etc/debian_version"));
    assertTrue(tree.isRegularFile("/etc/copy"));
  }

  /** A Debian 12 root with merged /usr, as its layers write it. */
  private LayerTar mergedUsr() {
    return new LayerTar().symlink("lib", "usr/lib").symlink("lib64", "usr/lib64")
        .symlink("bin", "usr/bin")
        .dir("usr/lib/x86_64-linux-gnu")
        .copy("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", LOADER)
        .copy("usr/lib/x86_64-linux-gnu/libc.so.6", LIBC)
        .symlink("usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        .copy("usr/bin/true", TRUE);
  }

  @Test
  void mergedUsrLinksLeadToTheLoaderAndTheLibraries() throws Exception {
    ImageFileTree tree = tree(mergedUsr());
    assertTrue(tree.isRegularFile("/lib64/ld-linux-x86-64.so.2"));
    assertEquals(Optional.of("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        tree.realPath("/lib64/ld-linux-x86-64.so.2"));
    assertEquals(Optional.of(ElfReader.read(LIBC)), tree.elf("/lib/x86_64-linux-gnu/libc.so.6"));
    assertTrue(tree.isDirectory("/lib/x86_64-linux-gnu"));
    assertTrue(tree.list("/lib").contains("x86_64-linux-gnu"), "list follows the link");
  }

  @Test
  void theResolverFindsTheLoaderAndLibcThroughMergedUsr() throws IOException {
    ImageFileTree tree = tree(mergedUsr());
    ElfFile elf = tree.elf("/bin/true").orElseThrow();
    Resolution resolution = new LibraryResolver(tree, LoaderSearchPath.of(tree, elf),
        path -> Optional.empty()).resolve(List.of(new Needing("/usr/bin/true", elf)));
    assertEquals(List.of(), resolution.missing());
    assertTrue(resolution.interpreters().contains(elf.interpreter().orElseThrow()));
    assertTrue(resolution.libraries().stream().anyMatch(f -> f.name().equals("libc.so.6")));

    ImageFileTree withoutLibc = tree(mergedUsr(),
        new LayerTar().whiteout("usr/lib/x86_64-linux-gnu/libc.so.6"));
    Resolution missing = new LibraryResolver(withoutLibc, LoaderSearchPath.of(withoutLibc, elf),
        path -> Optional.empty()).resolve(List.of(new Needing("/usr/bin/true", elf)));
    assertEquals(List.of(new LibraryResolver.Missing("libc.so.6", "/usr/bin/true")),
        missing.missing());
  }

  @Test
  void anEntryUnderALowerLayersLinkLandsWhereTheLinkLeads() throws IOException {
    ImageFileTree tree = tree(mergedUsr(),
        new LayerTar().file("lib/x86_64-linux-gnu/libz.so.1", "z"));
    assertTrue(tree.isRegularFile("/usr/lib/x86_64-linux-gnu/libz.so.1"));
    assertTrue(tree.isRegularFile("/lib/x86_64-linux-gnu/libc.so.6"), "the link stays");
  }

  @Test
  void absoluteLinksResolveInsideTheImage() throws IOException {
    ImageFileTree tree = tree(new LayerTar()
        .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        .file("etc/os-release", "ID=image\n")
        .symlink("x", "/etc/passwd")
        .symlink("escape", "/../../etc/shadow")
        .symlink("up", "../../../../etc/os-release")
        .symlink("usr/lib/os-release", "/etc/os-release"));
    assertEquals(Optional.of("/etc/passwd"), tree.realPath("/x"));
    assertTrue(tree.isRegularFile("/x"));
    // this machine has /etc/shadow; the image does not
    assertFalse(tree.isRegularFile("/escape"));
    assertEquals(Optional.empty(), tree.realPath("/escape"));
    assertEquals(Optional.of("ID=image\n"), tree.text("/up"), "the image's file, not ours");
    assertEquals(Optional.of("ID=image\n"), tree.text("/usr/lib/os-release"));
    assertEquals(Optional.of("/etc/os-release"), tree.realPath("/usr/lib/os-release"));
  }

  @Test
  void linkLoopsLeadNowhere() throws IOException {
    LayerTar layer = new LayerTar().symlink("a", "b").symlink("b", "a").symlink("self", "self")
        .symlink("dir", "dir/sub").file("etc/target", "t").symlink("empty", "");
    // a chain of exactly 40 links resolves; 41 do not, as on Linux
    for (int i = 0; i < 41; i++) {
      layer.symlink("chain" + i, i == 0 ? "etc/target" : "chain" + (i - 1));
    }
    ImageFileTree tree = tree(layer);
    for (String path : List.of("/a", "/b", "/self", "/dir/sub/x", "/empty", "/chain40")) {
      assertEquals(Optional.empty(), tree.realPath(path), path);
      assertFalse(tree.isRegularFile(path), path);
      assertFalse(tree.isDirectory(path), path);
      assertEquals(List.of(), tree.list(path), path);
      assertEquals(Optional.empty(), tree.text(path), path);
    }
    assertEquals(Optional.of("/etc/target"), tree.realPath("/chain39"));
  }

  @Test
  void directoriesAFilePathImpliesExist() throws IOException {
    ImageFileTree tree = tree(new LayerTar().file("usr/local/lib/erlang/bin/erl", "#!/bin/sh\n"));
    assertTrue(tree.isDirectory("/"));
    assertTrue(tree.isDirectory("/usr/local/lib/erlang"));
    assertEquals(List.of("local"), tree.list("/usr"));
    assertEquals(List.of("usr"), tree.list("/"));
    assertEquals(Optional.of("/usr/local"), tree.realPath("/usr/./local/lib/.."));
    assertFalse(tree.isRegularFile("/usr/local/lib/erlang/bin/erl/x"), "a file is no directory");
  }

  @Test
  void buildsTheTreeOfManyEntriesQuickly() throws IOException {
    // 40,000 entries in 4 layers; the build must stay well under a second even on a busy machine
    List<LayerIndex> layers = new ArrayList<>();
    for (int l = 0; l < 4; l++) {
      LayerTar tar = new LayerTar();
      for (int d = 0; d < 100; d++) {
        for (int f = 0; f < 100; f++) {
          tar.file("usr/share/pkg" + d + "/file" + f + "-" + l, "");
        }
      }
      byte[] bytes = tar.bytes();
      layers.add(new LayerIndexer(work).index("sha256:" + l, new ByteArrayInputStream(bytes)));
    }
    ImageFileTree.of(layers); // warm up
    long start = System.nanoTime();
    ImageFileTree tree = ImageFileTree.of(layers);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(400, tree.list("/usr/share/pkg7").size());
    assertTrue(millis < 1000, "built in " + millis + " ms");
  }
}
