package dev.relpack.base;

import dev.relpack.boot.BootCheck;
import dev.relpack.boot.CheckedBase;
import dev.relpack.boot.Distribution;
import dev.relpack.boot.Problem;
import dev.relpack.boot.Verdict;
import dev.relpack.elf.MachineFileSystem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import dev.relpack.testsupport.Trees;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds --from host on this machine for real releases. */
class HostBaseTest {
  @TempDir Path cache;
  @TempDir Path work;
  private final List<String> warnings = new ArrayList<>();

  private HostBase hostBase() {
    return new HostBase(Path.of("/"), cache, warnings::add);
  }

  @Test
  void holdsTheLoaderLibrariesShellUsersAndTmpTheDemoNeeds() throws Exception {
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    BaseImage base = hostBase().build(demo, new HostBase.Options("/app", "65534:65534"));
    assertEquals("host", base.name());
    assertTrue(base.digest().orElseThrow().matches("sha256:[0-9a-f]{64}"));
    Map<String, TarArchiveEntry> skeleton = layerEntries(((BaseImage.ArchiveSource) base.source()).tar());
    List<String> files = base.files().stream().map(BaseImage.BaseFile::target).toList();

    assertTrue(files.stream().anyMatch(p -> p.endsWith("/ld-linux-x86-64.so.2")), files.toString());
    for (String lib : List.of("libc.so.6", "libcrypto.so.3", "libtinfo.so.6", "libstdc++.so.6", "libsystemd.so.0")) {
      assertTrue(files.stream().anyMatch(p -> p.endsWith("/" + lib))
          || skeleton.keySet().stream().anyMatch(p -> p.endsWith("/" + lib)), lib);
    }
    for (BaseImage.BaseFile file : base.files()) {
      assertTrue(Files.isRegularFile(file.source()) && !Files.isSymbolicLink(file.source()), file.toString());
      assertTrue(!skeleton.containsKey(file.target().substring(1)), "not twice: " + file);
    }
    assertEquals(01777, skeleton.get("tmp/").getMode() & 07777);
    assertTrue(skeleton.containsKey("etc/passwd") && skeleton.containsKey("etc/group"));
    assertTrue(skeleton.values().stream().anyMatch(e -> e.getName().endsWith("bin/sh") && e.isSymbolicLink()),
        "a shell, linked to busybox or the machine's sh");
    for (TarArchiveEntry entry : skeleton.values()) {
      assertEquals(0, entry.getLongUserId());
      assertEquals(0, entry.getModTime().getTime());
      assertTrue(entry.isDirectory() || entry.isSymbolicLink() || entry.getName().startsWith("etc/")
          || entry.getName().equals("var/lib/dpkg/status"),
          "only the skeleton and generated files are in the archive: " + entry.getName());
    }
    assertEquals(List.of(), warnings);
  }

  @Test
  void theSameMachineGivesTheSameBaseWithoutRebuildingIt() throws Exception {
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    BaseImage first = hostBase().build(demo, new HostBase.Options("/app", "65534:65534"));
    Path archive = ((BaseImage.ArchiveSource) first.source()).tar();
    long written = Files.getLastModifiedTime(archive).toMillis();
    BaseImage second = hostBase().build(demo, new HostBase.Options("/app", "65534:65534"));
    assertEquals(first, second);
    assertEquals(written, Files.getLastModifiedTime(archive).toMillis());
    BaseImage otherUser = hostBase().build(demo, new HostBase.Options("/app", "1000:1000"));
    assertTrue(!otherUser.digest().equals(first.digest()), "passwd differs, so must the base");
  }

  @Test
  void aLibraryThisMachineLacksIsLeftOutAndTheCheckNamesItAsMissingHere() throws Exception {
    Path release = work.resolve("platform");
    Trees.copy(Testdata.kind("mix-umbrella"), release);
    Files.copy(Testdata.root().resolve("elf/needs-missing-lib.so"),
        release.resolve("lib/web-2.0.0/ebin/../nif.so").normalize());
    Release platform = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(release);

    BaseImage base = hostBase().build(platform, new HostBase.Options("/app", "65534:65534"));
    assertEquals("host", base.name());
    Verdict verdict = hostCheck(platform, base);
    assertEquals(List.of("libcrypxo.so.3: needed by lib/web-2.0.0/nif.so; install the package"
        + " that provides it on this machine"),
        verdict.problems().stream().map(Problem::message).toList());
  }

  /** The check the build runs on a host base: against this machine, by the same rules. */
  private static Verdict hostCheck(Release release, BaseImage base) throws Exception {
    BaseImage.MachineContents machine = (BaseImage.MachineContents) base.contents();
    MachineFileSystem files = new MachineFileSystem(machine.root());
    return new BootCheck(release, "/app", Map.of()).check(new CheckedBase("host", files,
        machine.path(), Distribution.of(files), true));
  }

  @Test
  void withoutBusyboxTheMachinesOwnShellAndToolsComeWithTheirLibraries() throws Exception {
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    BaseImage base = new HostBase(Path.of("/"), cache, warnings::add, List.of())
        .build(demo, new HostBase.Options("/app", "65534:65534"));
    List<String> files = base.files().stream().map(BaseImage.BaseFile::target).toList();
    assertTrue(files.stream().noneMatch(f -> f.endsWith("/busybox")), files.toString());
    for (String tool : List.of("sed", "cut", "readlink", "od", "dd", "dirname")) {
      assertTrue(files.stream().anyMatch(f -> f.endsWith("/bin/" + tool)), tool + " in " + files);
    }
    Map<String, TarArchiveEntry> skeleton = layerEntries(((BaseImage.ArchiveSource) base.source()).tar());
    assertTrue(skeleton.keySet().stream().anyMatch(p -> p.endsWith("bin/sh")), "sh, linked to the machine's shell");
    assertEquals(List.of(), warnings);
  }

  @Test
  void aReleaseWithoutErtsGetsThisMachinesErlangOrFailsWhenItsVersionDiffers() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/lib/erlang/erts-13.1.5")),
        "needs Debian's Erlang (ERTS 13.1.5), as .ci/run installs");
    Path release = work.resolve("no-erts");
    Trees.copy(Testdata.kind("mix-umbrella"), release);
    deleteTree(release.resolve("erts-13.1.5"));
    deleteTree(release.resolve("lib/kernel-8.5.3")); // an OTP app the release expects from the machine
    Release platform = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(release);
    assertTrue(!platform.ertsIncluded());
    BaseImage base = hostBase().build(platform, new HostBase.Options("/app", "65534:65534"));
    List<String> files = base.files().stream().map(BaseImage.BaseFile::target).toList();
    assertTrue(files.contains("/usr/lib/erlang/erts-13.1.5/bin/beam.smp"), files.toString());
    assertTrue(files.contains("/usr/lib/erlang/bin/erl"), files.toString());
    assertTrue(files.stream().anyMatch(f -> f.startsWith("/usr/lib/erlang/lib/kernel-8.5.3/ebin/")));
    assertTrue(files.stream().noneMatch(f -> f.startsWith("/usr/lib/erlang/lib/stdlib-")),
        "stdlib is in the release: not taken from the machine");
    Map<String, TarArchiveEntry> skeleton = layerEntries(((BaseImage.ArchiveSource) base.source()).tar());
    assertTrue(skeleton.get("usr/bin/erl").isSymbolicLink(), "erl on PATH, as on the machine");

    assertEquals(List.of(), hostCheck(platform, base).problems());

    Files.writeString(release.resolve("releases/start_erl.data"), "99.0 2.0.0");
    Files.writeString(release.resolve("releases/2.0.0/platform.rel"),
        Files.readString(release.resolve("releases/2.0.0/platform.rel")).replace("13.1.5", "99.0"));
    Release other = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(release);
    BaseImage otherBase = hostBase().build(other, new HostBase.Options("/app", "65534:65534"));
    assertEquals(List.of("ERTS 99.0: needed by releases/2.0.0/platform.rel; the release has no"
        + " ERTS (include_erts: false) and the base's Erlang in /usr/lib/erlang has erts-13.1.5"),
        hostCheck(other, otherBase).problems().stream().map(Problem::message).toList());
  }

  @Test
  void carriesTheMachinesOsReleaseAndTheRecordsOfThePackagesOwningItsFiles() throws Exception {
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    BaseImage base = hostBase().build(demo, new HostBase.Options("/app", "65534:65534"));
    Path archive = ((BaseImage.ArchiveSource) base.source()).tar();
    byte[] osRelease = layerFile(archive, "etc/os-release");
    assertArrayEquals(Files.readAllBytes(Path.of("/etc/os-release")), osRelease,
        "a regular file with the content behind the machine's link");
    OsInventory inventory = ((BaseImage.MachineContents) base.contents()).inventory();
    String status = new String(layerFile(archive, "var/lib/dpkg/status"), StandardCharsets.ISO_8859_1);
    assertEquals(inventory.packages(), PackageDatabase.dpkg(status), "the inventory is what is written");
    List<String> names = inventory.packages().stream().map(OsInventory.OsPackage::name).toList();
    assertTrue(names.containsAll(List.of("libc6", "libssl3", "base-files")), names.toString());
    assertTrue(names.size() < 40, "only owners of copied files, not the machine's many: " + names);
    assertEquals("debian", inventory.os().orElseThrow().id());
  }

  @Test
  void anUpgradeOfAPackageOwningACopiedFileChangesTheBaseAndOfAnotherDoesNot() throws Exception {
    Path machine = work.resolve("machine");
    Files.createDirectories(machine.resolve("usr/bin"));
    Files.createDirectories(machine.resolve("var/lib/dpkg/info"));
    Files.createDirectories(machine.resolve("etc"));
    Files.createSymbolicLink(machine.resolve("bin"), Path.of("usr/bin"));
    Files.writeString(machine.resolve("usr/bin/busybox"), "not really busybox");
    Files.writeString(machine.resolve("etc/os-release"), "ID=debian\nVERSION_ID=12\n");
    Files.writeString(machine.resolve("var/lib/dpkg/info/busybox-static.list"), "/bin/busybox\n");
    Files.writeString(machine.resolve("var/lib/dpkg/info/zlib1g:amd64.list"), "/lib/libz.so.1\n");
    Path status = machine.resolve("var/lib/dpkg/status");
    Files.writeString(status, "Package: busybox-static\nVersion: 1\nArchitecture: amd64\n\n"
        + "Package: zlib1g\nVersion: 1\nArchitecture: amd64\n");
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    HostBase host = new HostBase(machine, cache, warnings::add, List.of("/usr/bin/busybox"));
    HostBase.Options options = new HostBase.Options("/app", "65534:65534");

    BaseImage first = host.build(demo, options);
    Path archive = ((BaseImage.ArchiveSource) first.source()).tar();
    assertEquals("Package: busybox-static\nVersion: 1\nArchitecture: amd64\n\n",
        new String(layerFile(archive, "var/lib/dpkg/status"), StandardCharsets.UTF_8));
    assertEquals(List.of("/etc/os-release"),
        ((BaseImage.MachineContents) first.contents()).inventory().unownedFiles(),
        "no list here names os-release; busybox is owned through /bin -> usr/bin");

    Files.writeString(status, Files.readString(status).replace("zlib1g\nVersion: 1", "zlib1g\nVersion: 2"));
    assertEquals(first, host.build(demo, options), "zlib1g owns nothing the base holds");

    Files.writeString(status, Files.readString(status).replace("static\nVersion: 1", "static\nVersion: 2"));
    BaseImage upgraded = host.build(demo, options);
    assertTrue(!upgraded.digest().equals(first.digest()), "a new record, a new base");
    assertEquals("Package: busybox-static\nVersion: 2\nArchitecture: amd64\n\n", new String(
        layerFile(((BaseImage.ArchiveSource) upgraded.source()).tar(), "var/lib/dpkg/status"),
        StandardCharsets.UTF_8));
  }

  /** The bytes of one file of the archive's layers. */
  private static byte[] layerFile(Path dockerArchive, String name) throws Exception {
    try (TarArchiveInputStream outer = new TarArchiveInputStream(
        new BufferedInputStream(Files.newInputStream(dockerArchive)))) {
      for (TarArchiveEntry e; (e = outer.getNextEntry()) != null; ) {
        if (e.getName().endsWith(".tar.gz")) {
          TarArchiveInputStream inner = new TarArchiveInputStream(new GZIPInputStream(outer));
          for (TarArchiveEntry f; (f = inner.getNextEntry()) != null; ) {
            if (f.getName().equals(name) && f.isFile()) {
              return inner.readAllBytes();
            }
          }
        }
      }
    }
    throw new AssertionError(name + " is not a file of " + dockerArchive);
  }

  private static void deleteTree(Path dir) throws Exception {
    dev.relpack.io.FileTrees.deleteRecursively(dir);
  }

  @Test
  void passwdAndGroupHoldTheRuntimeUser() {
    assertEquals("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n",
        HostBase.passwd("65534:65534"));
    assertTrue(HostBase.passwd("1000:2000").contains("app:x:1000:2000:"));
    assertTrue(HostBase.group("1000:2000").contains("app:x:2000:"));
  }

  static Map<String, TarArchiveEntry> layerEntries(Path dockerArchive) throws Exception {
    Map<String, TarArchiveEntry> entries = new HashMap<>();
    try (TarArchiveInputStream outer = new TarArchiveInputStream(
        new BufferedInputStream(Files.newInputStream(dockerArchive)))) {
      for (TarArchiveEntry e; (e = outer.getNextEntry()) != null; ) {
        if (e.getName().endsWith(".tar.gz")) {
          InputStream layer = new GZIPInputStream(outer);
          TarArchiveInputStream inner = new TarArchiveInputStream(layer);
          for (TarArchiveEntry f; (f = inner.getNextEntry()) != null; ) {
            entries.put(f.getName(), f);
          }
        }
      }
    }
    return entries;
  }

}
