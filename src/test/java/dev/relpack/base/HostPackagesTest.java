package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.base.OsInventory.OsPackage;
import dev.relpack.base.OsInventory.OsRelease;
import dev.relpack.base.OsInventory.PackageKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On pretend machines: a merged-/usr Debian with multiarch packages, and an Alpine. */
class HostPackagesTest {
  @TempDir Path machine;
  private final List<String> warnings = new ArrayList<>();

  // records as dpkg writes them; one has a folded description with UTF-8 and a " ." line
  private static final String BASE_FILES = """
      Package: base-files
      Essential: yes
      Status: install ok installed
      Priority: required
      Version: 12.4+deb12u11
      Description: Debian base system miscellaneous files
      """;
  private static final String BUSYBOX = """
      Package: busybox-static
      Status: install ok installed
      Architecture: amd64
      Source: busybox (1:1.35.0-4+deb12u1)
      Version: 1:1.35.0-4+deb12u1+b1
      Description: Standalone rescue shell
       busybox contains \u00fcber-small versions of many utilities.
       .
       It is statically linked.
      """;
  private static final String LIBC_AMD64 = """
      Package: libc6
      Status: install ok installed
      Architecture: amd64
      Multi-Arch: same
      Source: glibc
      Version: 2.36-9+deb12u14
      """;
  private static final String LIBC_I386 = """
      Package: libc6
      Status: install ok installed
      Architecture: i386
      Multi-Arch: same
      Source: glibc
      Version: 2.36-9+deb12u14
      """;
  private static final String LIBFOO = """
      Package: libfoo1
      Status: install ok installed
      Architecture: amd64
      Version: 1.0-1
      """;
  private static final String UNRELATED = """
      Package: zlib1g
      Status: install ok installed
      Architecture: amd64
      Version: 1:1.2.13.dfsg-1
      """;
  private static final String REMOVED = """
      Package: oldlib
      Status: deinstall ok config-files
      Architecture: amd64
      Version: 0.9
      """;

  /** A merged-/usr Debian: /lib and /bin link into /usr, dpkg lists some files the old way. */
  private void debianMachine() throws IOException {
    write("usr/lib/x86_64-linux-gnu/libc.so.6", "libc");
    write("usr/lib/x86_64-linux-gnu/libfoo.so.1.0", "foo");
    link("usr/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1.0");
    write("usr/lib/x86_64-linux-gnu/libz.so.1", "z");
    write("usr/bin/busybox", "busybox");
    write("usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"
        + "VERSION_ID=\"12\"\n");
    write("etc/debian_version", "12.11\n");
    link("etc/os-release", "../usr/lib/os-release");
    write("etc/ssl/certs/ca-certificates.crt", "certs");
    link("lib", "usr/lib");
    link("bin", "usr/bin");
    // the usrmerge case both ways: libc6 lists /lib/..., libfoo1 (newer) lists /usr/lib/...
    write("var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib\n/lib/x86_64-linux-gnu\n"
        + "/lib/x86_64-linux-gnu/libc.so.6\n");
    write("var/lib/dpkg/info/libc6:i386.list", "/lib/i386-linux-gnu/libc.so.6\n");
    write("var/lib/dpkg/info/libfoo1:amd64.list", "/usr/lib/x86_64-linux-gnu/libfoo.so.1.0\n"
        + "/usr/lib/x86_64-linux-gnu/libfoo.so.1\n");
    write("var/lib/dpkg/info/busybox-static.list", "/bin\n/bin/busybox\n");
    write("var/lib/dpkg/info/base-files.list", "/etc\n/etc/debian_version\n"
        + "/usr/lib/os-release\n");
    write("var/lib/dpkg/info/zlib1g:amd64.list", "/usr/lib/x86_64-linux-gnu/libz.so.1\n");
    write("var/lib/dpkg/info/oldlib:amd64.list", "/usr/bin/busybox\n");
    write("var/lib/dpkg/info/zlib1g:amd64.md5sums", "0 /lib/x86_64-linux-gnu/libc.so.6\n");
    Files.write(machine.resolve("var/lib/dpkg/status"), String.join("\n", UNRELATED, LIBC_I386,
        BUSYBOX, REMOVED, LIBFOO, LIBC_AMD64, BASE_FILES).getBytes(StandardCharsets.UTF_8));
  }

  private HostPackages.Metadata debianBase() throws IOException {
    Rootfs rootfs = new Rootfs(machine);
    rootfs.copyFromMachine("/lib/x86_64-linux-gnu/libc.so.6");
    rootfs.copyFromMachine("/usr/lib/x86_64-linux-gnu/libfoo.so.1");
    rootfs.copyFromMachine("/bin/busybox");
    rootfs.copyFromMachine("/etc/ssl/certs/ca-certificates.crt");
    rootfs.generated("/etc/passwd", "root:x:0:0::/:/bin/sh\n".getBytes(StandardCharsets.UTF_8),
        0644);
    return new HostPackages(machine, warnings::add).of(rootfs.entries());
  }

  @Test
  void theStatusHoldsExactlyTheOwnersOfCopiedFilesTheirRecordsByteForByteSorted()
      throws Exception {
    debianMachine();
    Map<String, byte[]> files = files(debianBase());

    String expected = String.join("\n", BASE_FILES, BUSYBOX, LIBC_AMD64, LIBFOO) + "\n";
    assertEquals(expected, new String(files.get("/var/lib/dpkg/status"), StandardCharsets.UTF_8));
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), files.get("/var/lib/dpkg/status"),
        "the UTF-8 of the description is kept as the machine has it");
    assertEquals(List.of("/etc/debian_version", "/etc/os-release", "/var/lib/dpkg/status"),
        files.keySet().stream().sorted().toList());
    assertEquals("12.11\n", new String(files.get("/etc/debian_version"), StandardCharsets.UTF_8));
    assertTrue(new String(files.get("/etc/os-release"), StandardCharsets.UTF_8)
        .contains("ID=debian\n"), "the content behind the machine's link");
    assertEquals(List.of(), warnings);
  }

  @Test
  void aFileWhoseNameIsNotAsciiIsFoundInTheListThatNamesItsUtf8Bytes() throws Exception {
    // file names as UTF-8, as relpack's own JVM has them (it sets C.UTF-8 when the locale is not)
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")));
    debianMachine();
    write("usr/share/zoneinfo/Amérique", "tz");
    // dpkg's lists hold a path's bytes; UTF-8 on any machine today
    Files.write(machine.resolve("var/lib/dpkg/info/busybox-static.list"),
        "/bin\n/bin/busybox\n/usr/share/zoneinfo/Amérique\n".getBytes(StandardCharsets.UTF_8));
    Rootfs rootfs = new Rootfs(machine);
    rootfs.copyFromMachine("/usr/share/zoneinfo/Amérique");
    OsInventory inventory = new HostPackages(machine, warnings::add).of(rootfs.entries())
        .inventory();
    assertTrue(inventory.packages().stream().anyMatch(p -> p.name().equals("busybox-static")),
        inventory.toString());
    assertFalse(inventory.unownedFiles().contains("/usr/share/zoneinfo/Amérique"),
        inventory.unownedFiles().toString());
  }

  @Test
  void theOwnersAreRememberedPrivatelyUntilDpkgChangesAndNeverFromAStateOthersCanWrite()
      throws Exception {
    debianMachine();
    Path memos = machine.resolve("private-state/host-packages"); // no file the base takes
    Rootfs rootfs = new Rootfs(machine);
    rootfs.copyFromMachine("/usr/lib/x86_64-linux-gnu/libz.so.1");
    HostPackages remembering = new HostPackages(machine, warnings::add).rememberingIn(
        Optional.of(memos));
    List<String> first = List.of("base-files", "zlib1g");
    assertEquals(first, names(remembering.of(rootfs.entries())));
    assertEquals(1, Files.list(memos).count(), Files.list(memos).toList().toString());
    // a list changed in place, dpkg's status and directory untouched: the record is used
    Path list = machine.resolve("var/lib/dpkg/info/busybox-static.list");
    Files.writeString(list, "/bin\n/bin/busybox\n/usr/lib/x86_64-linux-gnu/libz.so.1\n");
    assertEquals(first, names(remembering.of(rootfs.entries())));
    // a state directory others can write is not believed: the lists are read again
    Files.setPosixFilePermissions(memos, java.nio.file.attribute.PosixFilePermissions
        .fromString("rwxrwxrwx"));
    List<String> now = List.of("base-files", "busybox-static", "zlib1g");
    assertEquals(now, names(remembering.of(rootfs.entries())));
    Files.setPosixFilePermissions(memos, java.nio.file.attribute.PosixFilePermissions
        .fromString("rwx------"));
    // dpkg rewrites its status on every change: the record is for another database now
    Files.setLastModifiedTime(machine.resolve("var/lib/dpkg/status"),
        java.nio.file.attribute.FileTime.fromMillis(1_000_000L));
    assertEquals(now, names(remembering.of(rootfs.entries())));
    assertTrue(Files.exists(list));
  }

  private static List<String> names(HostPackages.Metadata metadata) {
    return metadata.inventory().packages().stream().map(OsPackage::name).toList();
  }

  @Test
  void theInventoryNamesTheOsThePackagesAndTheFilesNoPackageOwns() throws Exception {
    debianMachine();
    OsInventory inventory = debianBase().inventory();

    assertEquals(Optional.of(new OsRelease("debian", Optional.of("12"),
        Optional.of("Debian GNU/Linux 12 (bookworm)"))), inventory.os());
    assertEquals(List.of(
        new OsPackage(PackageKind.DPKG, "base-files", "12.4+deb12u11", "", Optional.empty(),
            Optional.empty()),
        new OsPackage(PackageKind.DPKG, "busybox-static", "1:1.35.0-4+deb12u1+b1", "amd64",
            Optional.of("busybox"), Optional.empty()),
        new OsPackage(PackageKind.DPKG, "libc6", "2.36-9+deb12u14", "amd64",
            Optional.of("glibc"), Optional.empty()),
        new OsPackage(PackageKind.DPKG, "libfoo1", "1.0-1", "amd64", Optional.empty(),
            Optional.empty())), inventory.packages());
    assertEquals(List.of("/etc/ssl/certs/ca-certificates.crt"), inventory.unownedFiles(),
        "the CA bundle is made by update-ca-certificates, which no package lists");
  }

  @Test
  void theSameMachineGivesTheSameBytesAndAnUpgradeOfAnOwnerChangesThem() throws Exception {
    debianMachine();
    byte[] first = files(debianBase()).get("/var/lib/dpkg/status");
    assertArrayEquals(first, files(debianBase()).get("/var/lib/dpkg/status"));

    Path status = machine.resolve("var/lib/dpkg/status");
    Files.writeString(status, Files.readString(status).replace("Version: 1:1.2.13.dfsg-1",
        "Version: 1:1.2.13.dfsg-2"));
    assertArrayEquals(first, files(debianBase()).get("/var/lib/dpkg/status"),
        "zlib1g owns nothing copied: its upgrade changes nothing");
    Files.writeString(status, Files.readString(status).replace("Version: 1.0-1", "Version: 1.0-2"));
    assertTrue(new String(files(debianBase()).get("/var/lib/dpkg/status"), StandardCharsets.UTF_8)
        .contains("Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\n"
            + "Version: 1.0-2\n"));
  }

  @Test
  void malformedRecordsAreSkippedAndAMachineWithoutDpkgGetsNoDatabase() throws Exception {
    debianMachine();
    Files.writeString(machine.resolve("var/lib/dpkg/status"),
        "Package: libc6\nArchitecture: amd64\n\n\u0000\u0001garbage\n\n" + LIBFOO,
        StandardCharsets.ISO_8859_1);
    HostPackages.Metadata metadata = debianBase();
    assertEquals(LIBFOO + "\n", new String(files(metadata).get("/var/lib/dpkg/status"),
        StandardCharsets.UTF_8), "libc6 has no version: skipped, its file unowned");
    assertTrue(metadata.inventory().unownedFiles().contains("/usr/lib/x86_64-linux-gnu/libc.so.6"));

    Files.delete(machine.resolve("var/lib/dpkg/status"));
    assertEquals(List.of("/etc/debian_version", "/etc/os-release"),
        files(debianBase()).keySet().stream().sorted().toList());
  }

  @Test
  void anAlpineMachineGetsInstalledWithOnlyTheOwningRecords() throws Exception {
    write("lib/ld-musl-x86_64.so.1", "musl");
    write("bin/busybox", "busybox");
    write("lib/libz.so.1.3.1", "z");
    write("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n");
    write("etc/alpine-release", "3.20.3\n");
    String musl = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\nF:lib\n"
        + "R:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1def=\nR:libc.musl-x86_64.so.1\n";
    String busybox = "P:busybox\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\nF:bin\n"
        + "R:busybox\nF:etc\nR:busybox-paths.d\n";
    String zlib = "P:zlib\nV:1.3.1-r1\nA:x86_64\nL:Zlib\no:zlib\nF:lib\nR:libz.so.1.3.1\n";
    String baselayout = "P:alpine-release\nV:3.20.3-r0\nA:x86_64\nL:MIT\no:alpine-base\nF:etc\n"
        + "R:alpine-release\nR:os-release\n";
    write("lib/apk/db/installed", zlib + "\n" + musl + "\n" + baselayout + "\n" + busybox + "\n");

    Rootfs rootfs = new Rootfs(machine);
    rootfs.copyFromMachine("/lib/ld-musl-x86_64.so.1");
    rootfs.copyFromMachine("/bin/busybox");
    HostPackages.Metadata metadata = new HostPackages(machine, warnings::add).of(rootfs.entries());

    assertEquals(baselayout + "\n" + busybox + "\n" + musl + "\n",
        new String(files(metadata).get("/lib/apk/db/installed"), StandardCharsets.UTF_8));
    assertEquals(List.of("/etc/alpine-release", "/etc/os-release", "/lib/apk/db/installed"),
        files(metadata).keySet().stream().sorted().toList());
    assertEquals(List.of("alpine-release", "busybox", "musl"),
        metadata.inventory().packages().stream().map(OsPackage::name).toList());
    assertEquals(new OsPackage(PackageKind.APK, "musl", "1.2.5-r0", "x86_64", Optional.of("musl"),
        Optional.of("MIT")), metadata.inventory().packages().get(2));
    assertEquals("alpine", metadata.inventory().os().orElseThrow().id());
    assertEquals(List.of(), metadata.inventory().unownedFiles());
  }

  private static Map<String, byte[]> files(HostPackages.Metadata metadata) {
    return metadata.files().stream()
        .collect(Collectors.toMap(HostPackages.File::path, HostPackages.File::content));
  }

  private void write(String path, String content) throws IOException {
    Path file = machine.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private void link(String path, String target) throws IOException {
    Path file = machine.resolve(path);
    Files.createDirectories(file.getParent());
    Files.createSymbolicLink(file, Path.of(target));
  }
}
