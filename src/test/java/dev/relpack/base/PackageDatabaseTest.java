package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.relpack.base.OsInventory.OsPackage;
import dev.relpack.base.OsInventory.OsRelease;
import dev.relpack.base.OsInventory.PackageKind;
import dev.relpack.elf.MachineFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reads bases' package databases as their layers make them, through the layer index. */
class PackageDatabaseTest {
  @TempDir Path work;
  private final List<String> warnings = new ArrayList<>();

  private static final String STATUS = """
      Package: zlib1g
      Status: install ok installed
      Architecture: amd64
      Source: zlib (1:1.2.13.dfsg-1)
      Version: 1:1.2.13.dfsg-1

      Package: libc6
      Status: install ok installed
      Architecture: amd64
      Source: glibc
      Version: 2.36-9+deb12u14
      Description: GNU C Library
       long description
       .
       more

      Package: removed
      Status: deinstall ok config-files
      Architecture: amd64
      Version: 1.0
      """;

  private OsInventory read(LayerTar... layers) throws IOException {
    List<BaseLayer> bases = Arrays.stream(layers).map(LayerTar::layer).toList();
    // through the cache: the texts must survive being stored and loaded again
    LayerIndexCache cache = new LayerIndexCache(work, new LayerIndexer(work), warnings::add);
    OsInventory first = PackageDatabase.read(cache.tree(bases));
    OsInventory again = PackageDatabase.read(
        new LayerIndexCache(work, new LayerIndexer(work), warnings::add).tree(bases));
    assertEquals(first, again, "the same from the cached index");
    assertEquals(List.of(), warnings);
    return first;
  }

  private static OsPackage dpkg(String name, String version, String source) {
    return new OsPackage(PackageKind.DPKG, name, version, "amd64", Optional.ofNullable(source),
        Optional.empty());
  }

  @Test
  void aDebianBaseGivesItsOsAndInstalledPackagesSortedWithTheirSources() throws Exception {
    OsInventory inventory = read(new LayerTar()
        .symlink("etc/os-release", "../usr/lib/os-release")
        .file("usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
            + "ID=debian\nVERSION_ID=\"12\"\n")
        .file("var/lib/dpkg/status", STATUS));
    assertEquals(Optional.of(new OsRelease("debian", Optional.of("12"),
        Optional.of("Debian GNU/Linux 12 (bookworm)"))), inventory.os());
    assertEquals(List.of(dpkg("libc6", "2.36-9+deb12u14", "glibc"),
        dpkg("zlib1g", "1:1.2.13.dfsg-1", "zlib")), inventory.packages());
    assertEquals(List.of(), inventory.unownedFiles());
  }

  @Test
  void distrolessStatusDFilesAreReadAndTheirMd5sumsAreNot() throws Exception {
    OsInventory inventory = read(
        new LayerTar().file("usr/lib/os-release", "ID=debian\nVERSION_ID=12\n")
            .file("var/lib/dpkg/status.d/base", "Package: base-files\nVersion: 12.4\n"
                + "Architecture: amd64\n"),
        new LayerTar().file("var/lib/dpkg/status.d/libssl3", "Package: libssl3\nVersion: 3.0.15\n"
                + "Architecture: amd64\nSource: openssl\n")
            .file("var/lib/dpkg/status.d/libssl3.md5sums", "Package: bogus\nVersion: 1\n"));
    assertEquals(Optional.of(new OsRelease("debian", Optional.of("12"), Optional.empty())),
        inventory.os(), "os-release from /usr/lib when /etc has none");
    assertEquals(List.of(dpkg("base-files", "12.4", null), dpkg("libssl3", "3.0.15", "openssl")),
        inventory.packages());
  }

  @Test
  void anAlpineBaseGivesApkPackagesWithOriginAndLicence() throws Exception {
    OsInventory inventory = read(new LayerTar()
        .file("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n"
            + "PRETTY_NAME=\"Alpine Linux v3.20\"\n")
        .file("lib/apk/db/installed", "C:Q1x=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\n"
            + "F:lib\nR:ld-musl-x86_64.so.1\n\nP:libcrypto3\nV:3.3.2-r0\nA:x86_64\n"
            + "L:Apache-2.0\no:openssl\nF:usr/lib\nR:libcrypto.so.3\n\n"));
    assertEquals("Alpine Linux v3.20", inventory.os().orElseThrow().prettyName().orElseThrow());
    assertEquals(List.of(
        new OsPackage(PackageKind.APK, "libcrypto3", "3.3.2-r0", "x86_64", Optional.of("openssl"),
            Optional.of("Apache-2.0")),
        new OsPackage(PackageKind.APK, "musl", "1.2.5-r0", "x86_64", Optional.of("musl"),
            Optional.of("MIT"))), inventory.packages());
  }

  @Test
  void aBaseWithoutAnyGivesNothingAndALaterLayerDeletingTheDatabaseIsObeyed() throws Exception {
    assertEquals(OsInventory.empty(), read(new LayerTar().file("bin/sh", "#!")));
    OsInventory deleted = read(
        new LayerTar().file("etc/os-release", "ID=debian\n").file("var/lib/dpkg/status", STATUS),
        new LayerTar().whiteout("var/lib/dpkg/status"));
    assertEquals(List.of(), deleted.packages());
    assertEquals("debian", deleted.os().orElseThrow().id());
  }

  @Test
  void aStatusLargerThanConfigurationFilesIsReadUpToTheDatabaseBound() throws Exception {
    // 1.5 MiB: more than RootFileSystem.MAX_TEXT_BYTES, as real Debian and Ubuntu ones are
    StringBuilder big = new StringBuilder();
    int count = 0;
    while (big.length() < 3 << 19) {
      big.append("Package: pkg").append(String.format("%05d", count++))
          .append("\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n")
          .append("Description: padding ").append("x".repeat(200)).append("\n\n");
    }
    assertEquals(count, read(new LayerTar().file("var/lib/dpkg/status", big.toString()))
        .packages().size());

    byte[] tooBig = new byte[(int) PackageDatabase.MAX_DATABASE_BYTES + 1];
    Arrays.fill(tooBig, (byte) 'x');
    byte[] record = "Package: a\nVersion: 1\n\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(record, 0, tooBig, 0, record.length);
    OsInventory unread = read(new LayerTar().file("var/lib/dpkg/status", tooBig, 0644));
    assertEquals(List.of(), unread.packages(), "past the bound the database is not read at all");
    // and it says so: an SBOM must not pass this off as a base without packages
    assertEquals(Optional.of("its package database /var/lib/dpkg/status is over 16 MiB and was"
        + " not read"), unread.unread());
  }

  @Test
  void aPackageInBothStatusAndStatusDIsOnePackage() throws Exception {
    String libssl = "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.15\n"
        + "Architecture: amd64\n";
    OsInventory inventory = read(new LayerTar().file("var/lib/dpkg/status", libssl + "\n" + libssl)
        .file("var/lib/dpkg/status.d/libssl3", libssl));
    assertEquals(List.of("libssl3"), inventory.packages().stream().map(OsPackage::name).toList());
    assertEquals(Optional.empty(), inventory.unread());
  }

  @Test
  void malformedRecordsAreSkippedAndTheRestRead() throws Exception {
    String hostile = "\u0000\u00ff\u00fe binary\n\nPackage: noversion\nArchitecture: amd64\n\n"
        + "Version: 1\nArchitecture: amd64\n\n"  // no name
        + "Package:\nVersion: 1\n\n"               // empty name
        + " continuation without field\n\n"
        + "Package: good\nVersion: 2\nArchitecture: amd64\nStatus:\n"; // no final newline
    OsInventory inventory = read(new LayerTar()
        .file("etc/os-release", "VERSION_ID=1\nNAME=no id\n")
        .file("var/lib/dpkg/status", hostile)
        .file("lib/apk/db/installed", "P:\nV:1\n\nV:2\n\nP:only-name\n\n\n\n"));
    assertEquals(Optional.empty(), inventory.os(), "an os-release without ID names nothing");
    assertEquals(List.of(dpkg("good", "2", null)), inventory.packages());
  }

  @Test
  @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a regex is not interruptible
  void aSourceLineOfMillionsOfBlanksIsReadInLinearTime() throws Exception {
    String blanks = " ".repeat(4 << 20);
    OsInventory inventory = read(new LayerTar().file("var/lib/dpkg/status",
        "Package: p\nVersion: 1\nArchitecture: amd64\nSource: a" + blanks + "b" + blanks
            + "(1)\n"));
    assertEquals(Optional.of("a" + blanks + "b"), inventory.packages().get(0).source());
  }

  @Test
  void theMachinesFilesReadTheSameWay() throws Exception {
    Path machine = work.resolve("machine");
    Files.createDirectories(machine.resolve("var/lib/dpkg"));
    Files.createDirectories(machine.resolve("etc"));
    Files.writeString(machine.resolve("etc/os-release"), "ID=debian\nVERSION_ID=12\n");
    Files.writeString(machine.resolve("var/lib/dpkg/status"), STATUS);
    OsInventory inventory = PackageDatabase.read(new MachineFileSystem(machine));
    assertEquals(List.of("libc6", "zlib1g"),
        inventory.packages().stream().map(OsPackage::name).toList());
  }
}
