package dev.relpack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoaderSearchPathTest {
  @TempDir Path root;

  private static ElfFile elf(int machine, String interpreter) {
    return new ElfFile(true, machine, Optional.ofNullable(interpreter), List.of(), List.of(), List.of());
  }

  @Test
  void readsLdSoConfWithIncludesAndDebianMultiarchDirectories() throws Exception {
    Files.createDirectories(root.resolve("etc/ld.so.conf.d"));
    Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
    Files.writeString(root.resolve("etc/ld.so.conf"), "include /etc/ld.so.conf.d/*.conf\n/opt/first # c\n");
    Files.writeString(root.resolve("etc/ld.so.conf.d/b.conf"), "/usr/local/lib/b\n");
    Files.writeString(root.resolve("etc/ld.so.conf.d/a.conf"), "# comment\n/usr/local/lib/a\n");
    Files.writeString(root.resolve("etc/ld.so.conf.d/ignored.txt"), "/nope\n");
    LoaderSearchPath path = LoaderSearchPath.of(new MachineFileSystem(root), elf(62, "/lib64/ld-linux-x86-64.so.2"));
    assertEquals(List.of("/usr/local/lib/a", "/usr/local/lib/b", "/opt/first"), path.configured());
    assertEquals(List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"),
        path.system());
  }

  @Test
  void usesLib64OnDistributionsWithoutMultiarch() throws Exception {
    Files.createDirectories(root.resolve("usr/lib64"));
    assertEquals(List.of("/lib64", "/usr/lib64"),
        LoaderSearchPath.of(new MachineFileSystem(root), elf(62, "/lib64/ld-linux-x86-64.so.2")).system());
  }

  @Test
  void muslReadsItsPathFileOrUsesItsDefaults() throws Exception {
    ElfFile musl = elf(62, "/lib/ld-musl-x86_64.so.1");
    assertEquals(List.of("/lib", "/usr/local/lib", "/usr/lib"), LoaderSearchPath.of(new MachineFileSystem(root), musl).system());
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/ld-musl-x86_64.path"), "/lib:/opt/lib\n/usr/lib\n");
    assertEquals(List.of("/lib", "/opt/lib", "/usr/lib"), LoaderSearchPath.of(new MachineFileSystem(root), musl).system());
  }
}
