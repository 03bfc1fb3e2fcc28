package dev.relpack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On real ELF files: the running JVM's launcher and the demo release's ERTS and NIFs. */
class ElfReaderTest {
  @TempDir static Path cache;
  static Release demo;

  @BeforeAll
  static void readDemo() {
    demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
  }

  static Path file(String path) {
    return demo.files().stream().filter(f -> f.path().equals(path)).findFirst()
        .map(ReleaseFile::source).orElseThrow();
  }

  @Test
  void readsTheEmulatorItsLoaderAndItsLibraries() throws Exception {
    ElfFile beam = ElfReader.read(file("erts-13.1.5/bin/beam.smp"));
    assertTrue(beam.is64Bit());
    assertEquals(62, beam.machine());
    assertEquals(Optional.of("amd64"), beam.ociArchitecture());
    assertEquals(Optional.of("/lib64/ld-linux-x86-64.so.2"), beam.interpreter());
    assertEquals(List.of("libtinfo.so.6", "libz.so.1", "libstdc++.so.6", "libm.so.6",
        "libgcc_s.so.1", "libc.so.6"), beam.needed());
  }

  @Test
  void readsANifWhichHasNoInterpreter() throws Exception {
    ElfFile nif = ElfReader.read(file("lib/crypto-5.1.2/priv/lib/crypto.so"));
    assertEquals(Optional.empty(), nif.interpreter());
    assertEquals(List.of("libcrypto.so.3", "libc.so.6"), nif.needed());
  }

  @Test
  void readsRpathFromTheJavaLauncher() throws Exception {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
    ElfFile launcher = ElfReader.read(java);
    assertTrue(launcher.needed().contains("libjli.so"), launcher.toString());
    List<String> searchPath = new java.util.ArrayList<>(launcher.rpath());
    searchPath.addAll(launcher.runpath());
    assertTrue(searchPath.stream().anyMatch(p -> p.contains("$ORIGIN")), launcher.toString());
  }

  @Test
  void tellsElfFromScriptsAndRefusesBrokenHeaders() throws Exception {
    assertFalse(ElfReader.isElf(file("bin/demo")));
    assertTrue(ElfReader.isElf(Testdata.root().resolve("elf/truncated.so")));
    assertThrows(ElfFormatException.class,
        () -> ElfReader.read(Testdata.root().resolve("elf/truncated.so")));
    assertThrows(ElfFormatException.class, () -> ElfReader.read(file("bin/demo")));
  }

  @Test
  void compatibilityMeansSameClassAndMachine() {
    ElfFile x64 = new ElfFile(true, 62, Optional.empty(), List.of(), List.of(), List.of());
    ElfFile x86 = new ElfFile(false, 3, Optional.empty(), List.of(), List.of(), List.of());
    ElfFile arm = new ElfFile(true, 183, Optional.empty(), List.of(), List.of(), List.of());
    assertTrue(x64.compatibleWith(x64));
    assertFalse(x64.compatibleWith(x86));
    assertFalse(x64.compatibleWith(arm));
    assertEquals(Optional.of("arm64"), arm.ociArchitecture());
  }
}
