package dev.relpack.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.elf.MachineFileSystem;
import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check against roots on disk: this machine's, and small ones made here of this machine's
 * files (copied, links followed), missing one piece each.
 */
class BootCheckTest {
  static final List<String> PATH = List.of("/usr/local/bin", "/usr/bin", "/bin");
  @TempDir static Path work;
  static Release demo;
  static Set<String> libraries;

  @BeforeAll
  static void readDemo() throws Exception {
    demo = new ReleaseReader(work.resolve("cache"), ExtractionLimits.DEFAULT, w -> {})
        .read(Testdata.demoTarball());
    libraries = new LinkedHashSet<>();
    for (var file : demo.files()) {
      if (!file.directory() && dev.relpack.elf.ElfReader.isElf(file.source())) {
        for (String word : run("ldd", file.source().toString()).split("\\s+")) {
          if (word.startsWith("/")) {
            libraries.add(word);
          }
        }
      }
    }
  }

  @Test
  void theDemoFitsThisMachine() throws Exception {
    Verdict verdict = check(new MachineFileSystem(Path.of("/")), Map.of());
    assertEquals(List.of(), verdict.problems());
    assertTrue(verdict.fits());
  }

  @Test
  void aMissingLibraryIsNamedWithWhoNeedsItAndTheDebianPackage() throws Exception {
    Path root = base(work.resolve("no-crypto"), "libcrypto.so.3");
    Verdict verdict = check(new MachineFileSystem(root), Map.of());
    assertEquals(1, verdict.problems().size(), verdict.toString());
    Problem problem = verdict.problems().get(0);
    assertEquals(Problem.Kind.LIBRARY, problem.kind());
    assertEquals("libcrypto.so.3", problem.missing());
    assertTrue(problem.neededBy().contains("lib/crypto-5.1.2/priv/lib/crypto.so"), problem.toString());
    assertEquals(Optional.of("libssl3"), problem.packageName());
    assertTrue(problem.message().startsWith("libcrypto.so.3: needed by lib/crypto-5.1.2/priv/lib/crypto.so"),
        problem.message());
    assertTrue(problem.message().endsWith("; install the Debian package libssl3 in the base"
        + " (apt-get install libssl3)"), problem.message());
  }

  @Test
  void epmdsLibrariesAreOnlyAWarningWithDistributionOff() throws Exception {
    Path root = base(work.resolve("no-systemd"), "libsystemd.so.0");
    assertEquals("libsystemd.so.0", check(new MachineFileSystem(root), Map.of())
        .problems().get(0).missing());
    Verdict off = check(new MachineFileSystem(root), Map.of("RELEASE_DISTRIBUTION", "none"));
    assertEquals(List.of(), off.problems());
    assertEquals("libsystemd.so.0", off.warnings().get(0).missing());
    assertEquals(List.of("erts-13.1.5/bin/epmd"), off.warnings().get(0).neededBy());
  }

  @Test
  void aMissingShellAndUtilityAreProgramsTheStartScriptNeeds() throws Exception {
    Path root = base(work.resolve("no-shell"), "none");
    Files.delete(root.resolve("bin/sh"));
    Files.delete(root.resolve("bin/awk"));
    Verdict verdict = check(new MachineFileSystem(root), Map.of());
    assertEquals(2, verdict.problems().size(), verdict.toString());
    Problem shell = verdict.problems().get(0);
    assertEquals("/bin/sh", shell.missing());
    // the start script first, then the release's other scripts (ERTS's erl, start, ...)
    assertEquals(List.of("bin/demo", "erts-13.1.5/bin/erl"), shell.neededBy().subList(0, 2));
    assertTrue(shell.message().endsWith("; install the Debian package dash in the base"
        + " (apt-get install dash)"), shell.message());
    assertEquals("awk: needed by bin/demo; install the Debian package mawk in the base"
        + " (apt-get install mawk)", verdict.problems().get(1).message());
  }

  @Test
  void aGlibcReleaseOnAMuslBaseIsOneProblemThatSaysSo() throws Exception {
    Path root = work.resolve("musl");
    Files.createDirectories(root.resolve("lib"));
    Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    Files.writeString(root.resolve("lib/ld-musl-x86_64.so.1"), "not really");
    Verdict verdict = check(new MachineFileSystem(root), Map.of());
    Problem libc = verdict.problems().get(0);
    assertEquals(Problem.Kind.LIBC, libc.kind());
    assertEquals("/lib64/ld-linux-x86-64.so.2", libc.missing());
    assertTrue(libc.advice().startsWith("the release is built against glibc and the base's C"
        + " library is musl"), libc.advice());
    assertTrue(verdict.problems().stream().noneMatch(p -> p.kind() == Problem.Kind.LIBRARY),
        verdict.toString());
  }

  @Test
  void onAnAlpineBaseTheHintIsTheApkPackage() throws Exception {
    Path root = base(work.resolve("alpine-named"), "libstdc++.so.6");
    Files.writeString(root.resolve("etc/os-release"), "NAME=\"Alpine Linux\"\nID=alpine\n");
    Problem problem = check(new MachineFileSystem(root), Map.of()).problems().get(0);
    assertEquals("libstdc++.so.6: needed by erts-13.1.5/bin/beam.smp; install the Alpine package"
        + " libstdc++ in the base (apk add libstdc++)", problem.message());
  }

  @Test
  void onTheHostTheHintIsToInstallOnThisMachine() throws Exception {
    Path root = base(work.resolve("host-like"), "libtinfo.so.6");
    MachineFileSystem files = new MachineFileSystem(root);
    Verdict verdict = new BootCheck(demo, "/app", Map.of()).check(
        new CheckedBase("host", files, PATH, Distribution.of(files), true));
    assertEquals("libtinfo.so.6: needed by erts-13.1.5/bin/beam.smp; install the Debian package"
        + " libtinfo6 on this machine (apt-get install libtinfo6)",
        verdict.problems().get(0).message());
  }

  @Test
  void aBaseOfUnknownDistributionGetsBothNames() throws Exception {
    Path root = base(work.resolve("unknown"), "libz.so.1");
    Files.delete(root.resolve("etc/os-release"));
    assertEquals("libz.so.1: needed by erts-13.1.5/bin/beam.smp; install the package that"
        + " provides it in the base (Debian: zlib1g, Alpine: zlib)",
        check(new MachineFileSystem(root), Map.of()).problems().get(0).message());
  }

  @Test
  void aBeamModuleIsNotNativeCodeWhateverItsBytes() throws Exception {
    // an ELF file whose library no machine has: as a NIF it fails the check, as a module it is
    // never mapped by a loader, so it is not read for ELF at all
    Path elf = Testdata.root().resolve("elf/needs-missing-lib.so");
    Release asModule = demoWith(work.resolve("as-module"), "ebin/Elixir.Native.beam", elf,
        false);
    Release asNif = demoWith(work.resolve("as-nif"), "priv/native.so", elf, false);
    MachineFileSystem machine = new MachineFileSystem(Path.of("/"));
    assertEquals(List.of(), check(asModule, machine).problems());
    assertTrue(check(asNif, machine).problems().stream()
        .anyMatch(p -> p.neededBy().stream().anyMatch(who -> who.endsWith("native.so"))),
        "the same bytes as a NIF: " + check(asNif, machine).problems());
  }

  @Test
  void anExecutableNamedAsAModuleIsStillChecked() throws Exception {
    // a port program may be started by any name: only a module that cannot be run is skipped
    Release release = demoWith(work.resolve("as-program"), "priv/port.beam",
        Testdata.root().resolve("elf/needs-missing-lib.so"), true);
    List<Problem> problems = check(release, new MachineFileSystem(Path.of("/"))).problems();
    assertTrue(problems.stream()
        .anyMatch(p -> p.neededBy().stream().anyMatch(who -> who.endsWith("port.beam"))),
        problems.toString());
  }

  /** The demo release unpacked into {@code dir}, with {@code file} put in its app's directory. */
  private static Release demoWith(Path dir, String inApp, Path file, boolean executable)
      throws Exception {
    Files.createDirectories(dir);
    run("tar", "-xzf", Testdata.demoTarball().toString(), "-C", dir.toString());
    Path to = dir.resolve("lib/demo-0.1.0").resolve(inApp);
    Files.createDirectories(to.getParent());
    Files.copy(file, to);
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(
        executable ? "rwxr-xr-x" : "rw-r--r--"));
    return new ReleaseReader(work.resolve("cache-" + dir.getFileName()), ExtractionLimits.DEFAULT,
        w -> {}).read(dir);
  }

  private static Verdict check(Release release, MachineFileSystem files) throws IOException {
    return new BootCheck(release, "/app", Map.of()).check(
        new CheckedBase("test", files, PATH, Distribution.of(files), false));
  }

  private static Verdict check(MachineFileSystem files, Map<String, String> env) throws IOException {
    return new BootCheck(demo, "/app", env).check(
        new CheckedBase("test", files, PATH, Distribution.of(files), false));
  }

  /** A root with busybox, its applets, os-release and the demo's libraries but one. */
  private static Path base(Path root, String without) throws Exception {
    Files.createDirectories(root.resolve("bin"));
    Files.createDirectories(root.resolve("etc"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    for (String applet : BootCheck.REQUIRED_UTILITIES) {
      Files.createSymbolicLink(root.resolve("bin/" + applet), Path.of("busybox"));
    }
    Files.copy(Path.of("/etc/os-release"), root.resolve("etc/os-release"));
    for (String library : libraries) {
      if (!library.endsWith("/" + without)) {
        Path target = root.resolve(library.substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(Path.of(library), target);
      }
    }
    return root;
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    process.waitFor();
    return out;
  }
}
