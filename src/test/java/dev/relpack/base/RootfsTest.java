package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.relpack.base.RootfsEntry.Directory;
import dev.relpack.base.RootfsEntry.RegularFile;
import dev.relpack.base.RootfsEntry.Symlink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On a pretend machine laid out like a merged-/usr Debian. */
class RootfsTest {
  @TempDir Path machine;

  @Test
  void copiesPathsWithEverySymlinkOnTheWay() throws Exception {
    Files.createDirectories(machine.resolve("usr/lib/x86_64-linux-gnu"));
    Files.createDirectories(machine.resolve("usr/bin"));
    Files.createDirectories(machine.resolve("etc/alternatives"));
    Files.createSymbolicLink(machine.resolve("lib"), Path.of("usr/lib"));
    Files.createSymbolicLink(machine.resolve("bin"), Path.of("usr/bin"));
    Files.writeString(machine.resolve("usr/lib/x86_64-linux-gnu/libtinfo.so.6.4"), "lib");
    Files.createSymbolicLink(machine.resolve("usr/lib/x86_64-linux-gnu/libtinfo.so.6"),
        Path.of("libtinfo.so.6.4"));
    Files.writeString(machine.resolve("usr/bin/mawk"), "awk");
    Files.setPosixFilePermissions(machine.resolve("usr/bin/mawk"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(machine.resolve("etc/alternatives/awk"), Path.of("/usr/bin/mawk"));
    Files.createSymbolicLink(machine.resolve("usr/bin/awk"), Path.of("/etc/alternatives/awk"));

    Rootfs rootfs = new Rootfs(machine);
    rootfs.copyFromMachine("/lib/x86_64-linux-gnu/libtinfo.so.6");
    rootfs.copyFromMachine("/bin/awk");
    rootfs.copyFromMachine("/bin");
    rootfs.symlinkIfAbsent("/bin/sh", "/usr/bin/busybox");
    rootfs.directory("/tmp", 01777);

    Map<String, RootfsEntry> entries = rootfs.entries().stream()
        .collect(Collectors.toMap(RootfsEntry::path, e -> e));
    assertEquals(new Symlink("/lib", "usr/lib"), entries.get("/lib"));
    assertEquals(new Symlink("/bin", "usr/bin"), entries.get("/bin"));
    assertEquals(new Symlink("/usr/lib/x86_64-linux-gnu/libtinfo.so.6", "libtinfo.so.6.4"),
        entries.get("/usr/lib/x86_64-linux-gnu/libtinfo.so.6"));
    assertEquals(new RegularFile("/usr/lib/x86_64-linux-gnu/libtinfo.so.6.4",
        machine.resolve("usr/lib/x86_64-linux-gnu/libtinfo.so.6.4"), 0644),
        entries.get("/usr/lib/x86_64-linux-gnu/libtinfo.so.6.4"));
    assertEquals(new Symlink("/usr/bin/awk", "/etc/alternatives/awk"), entries.get("/usr/bin/awk"));
    assertEquals(new Symlink("/etc/alternatives/awk", "/usr/bin/mawk"), entries.get("/etc/alternatives/awk"));
    assertEquals(0755, ((RegularFile) entries.get("/usr/bin/mawk")).mode());
    assertEquals(new Symlink("/usr/bin/sh", "/usr/bin/busybox"), entries.get("/usr/bin/sh"),
        "added through the /bin symlink, not beside it");
    assertEquals(new Directory("/tmp", 01777), entries.get("/tmp"));
    assertEquals(new Directory("/usr", 0755), entries.get("/usr"));
    List<String> paths = rootfs.entries().stream().map(RootfsEntry::path).toList();
    assertEquals(paths.stream().sorted().toList(), paths);
  }
}
