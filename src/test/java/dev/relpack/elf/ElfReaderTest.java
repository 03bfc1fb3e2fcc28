package dev.relpack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

  /** A copy of a real shared object with one 64-bit little-endian field changed. */
  private static Path withLong(Path dir, int at, long value) throws Exception {
    byte[] bytes = Files.readAllBytes(Testdata.root().resolve("elf/needs-missing-lib.so"));
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
    Path file = dir.resolve("changed.so");
    Files.write(file, bytes);
    return file;
  }

  @Test
  void anOffsetThatOverflowsIsAFormatErrorNotAnIoError(@TempDir Path dir) throws Exception {
    // found by ElfReaderFuzzTest: e_phoff near Long.MAX_VALUE made offset + length negative, the
    // bounds check passed and the read failed with IOException "Invalid argument"
    ElfFormatException e = assertThrows(ElfFormatException.class,
        () -> ElfReader.read(withLong(dir, 32, Long.MAX_VALUE - 8)));
    assertEquals("header points outside the file", e.getMessage());
  }

  /**
   * A minimal 64-bit shared object: one PT_LOAD mapping the whole file at address 0, a PT_INTERP
   * of {@code interp}, a PT_DYNAMIC of a string table and {@code needed} DT_NEEDED entries all
   * naming offset 0 of {@code strings}.
   */
  private static Path elf(Path dir, byte[] interp, int needed, byte[] strings) throws Exception {
    int dynamicAt = 64 + 3 * 56;
    int dynamicSize = (needed + 3) * 16;
    int interpAt = dynamicAt + dynamicSize;
    int stringsAt = interpAt + interp.length;
    ByteBuffer elf = ByteBuffer.allocate(stringsAt + strings.length).order(ByteOrder.LITTLE_ENDIAN);
    elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
    elf.putShort(16, (short) 3).putShort(18, (short) 62).putInt(20, 1).putLong(32, 64)
        .putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 3);
    long[][] segments = {{1, 0, elf.capacity()}, {3, interpAt, interp.length},
        {2, dynamicAt, dynamicSize}};
    for (int i = 0; i < 3; i++) {
      int at = 64 + i * 56;
      elf.putInt(at, (int) segments[i][0]).putLong(at + 8, segments[i][1])
          .putLong(at + 16, segments[i][1]).putLong(at + 32, segments[i][2]);
    }
    elf.position(dynamicAt);
    elf.putLong(5).putLong(stringsAt).putLong(10).putLong(strings.length);
    for (int i = 0; i < needed; i++) {
      elf.putLong(1).putLong(0);
    }
    elf.putLong(0).putLong(0);
    elf.put(interp).put(strings);
    Path file = dir.resolve("built.so");
    Files.write(file, elf.array());
    return file;
  }

  @Test
  void readsTheMinimalSharedObjectTheseTestsBuild(@TempDir Path dir) throws Exception {
    ElfFile elf = ElfReader.read(elf(dir, "/lib/ld.so\0".getBytes(), 2, "libc.so.6\0".getBytes()));
    assertEquals(Optional.of("/lib/ld.so"), elf.interpreter());
    assertEquals(List.of("libc.so.6", "libc.so.6"), elf.needed());
  }

  @Test
  void manyNamesOfOneHugeStringAreRefusedQuickly(@TempDir Path dir) throws Exception {
    // 1,000 DT_NEEDED entries each naming the same 1 MiB string without a NUL: 1 GiB of names
    Path file = elf(dir, "/lib/ld.so\0".getBytes(), 1_000, "a".repeat(1 << 20).getBytes());
    ElfFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(ElfFormatException.class, () -> ElfReader.read(file)));
    assertEquals("a string in the dynamic section is longer than 4096 bytes", e.getMessage());
  }

  @Test
  void moreThan1024LibraryNamesAreRefused(@TempDir Path dir) throws Exception {
    ElfFormatException e = assertThrows(ElfFormatException.class,
        () -> ElfReader.read(elf(dir, "/lib/ld.so\0".getBytes(), 1025, "libc.so.6\0".getBytes())));
    assertEquals("more than 1024 DT_NEEDED, DT_RPATH and DT_RUNPATH entries", e.getMessage());
  }

  @Test
  void anInterpreterLongerThanPathMaxIsRefusedAsTheKernelDoes(@TempDir Path dir) throws Exception {
    byte[] interp = ("/" + "l".repeat(5000) + "\0").getBytes();
    ElfFormatException e = assertThrows(ElfFormatException.class,
        () -> ElfReader.read(elf(dir, interp, 1, "libc.so.6\0".getBytes())));
    assertEquals("PT_INTERP of 5002 bytes is longer than PATH_MAX", e.getMessage());
  }
}
