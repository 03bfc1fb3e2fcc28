package dev.relpack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the demo release, built by Debian's Elixir on amd64 and committed in testdata/. */
class NativeCodeTest {
  @TempDir static Path cache;
  @TempDir Path work;
  static Map<String, Path> files;

  @BeforeAll
  static void readDemo() {
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    files = new TreeMap<>();
    demo.files().stream().filter(f -> !f.directory()).forEach(f -> files.put(f.path(), f.source()));
  }

  @Test
  void theDemoNeedsAGlibcAmd64BaseWithItsLibraries() {
    NativeCode code = NativeCode.of(files);
    assertEquals(Optional.of("amd64"), code.architecture());
    assertEquals(Set.of("/lib64/ld-linux-x86-64.so.2"), code.interpreters());
    assertEquals(Optional.of("glibc"), code.libc());
    // ERTS links the terminal library, the crypto NIF OpenSSL's
    assertTrue(code.libraries().containsAll(List.of("libc.so.6", "libtinfo.so.6", "libcrypto.so.3")),
        code.libraries().toString());
  }

  @Test
  void aLibraryTheReleaseCarriesIsNotAskedOfTheBase() throws Exception {
    Map<String, Path> withBundled = new TreeMap<>(files);
    Path bundled = Files.writeString(work.resolve("libtinfo.so.6"), "a bundled copy");
    withBundled.put("lib/demo-0.1.0/priv/lib/libtinfo.so.6", bundled);
    assertFalse(NativeCode.of(withBundled).libraries().contains("libtinfo.so.6"));
  }

  @Test
  void aReleaseWithoutElfFilesHasNoArchitecture() throws Exception {
    Path script = Files.writeString(work.resolve("start"), "#!/bin/sh\n");
    NativeCode code = NativeCode.of(Map.of("bin/start", script));
    assertEquals(Optional.empty(), code.architecture());
    assertEquals(Optional.empty(), code.libc());
    assertEquals(Optional.empty(), NativeCode.architecture(List.of(script)));
  }

  @Test
  void theArchitectureIsTheFirstReadableElfFiles() throws Exception {
    Path script = Files.writeString(work.resolve("start"), "#!/bin/sh\n");
    Path beam = files.get("erts-13.1.5/bin/beam.smp");
    Path truncated = Testdata.root().resolve("elf/truncated.so");
    assertEquals(Optional.of("amd64"), NativeCode.architecture(List.of(script, truncated, beam)));
  }

  @Test
  void theCLibraryComesFromTheLoaderOrTheLibrariesLinked() {
    assertEquals(Optional.of("musl"), code(Set.of("/lib/ld-musl-x86_64.so.1"), Set.of()).libc());
    assertEquals(Optional.of("musl"), code(Set.of(), Set.of("libc.so")).libc());
    assertEquals(Optional.of("glibc"), code(Set.of("/lib64/ld64.so.2"), Set.of()).libc(), "ppc64le");
    assertEquals(Optional.of("glibc"), code(Set.of(), Set.of("libc.so.6")).libc(), "NIFs only");
    assertEquals(Optional.of("glibc and musl"),
        code(Set.of("/lib/ld-musl-x86_64.so.1"), Set.of("libc.so.6")).libc());
    assertEquals(Optional.empty(), code(Set.of(), Set.of()).libc());
  }

  @Test
  void theExecutableSpeaksForThePlatformBeforeALibraryOfAnotherOne() throws Exception {
    // the crypto NIF with its e_machine made AArch64's (183): a library, not an executable
    byte[] nif = Files.readAllBytes(files.get("lib/crypto-5.1.2/priv/lib/crypto.so"));
    nif[18] = (byte) 183;
    nif[19] = 0;
    Path arm = Files.write(work.resolve("arm-crypto.so"), nif);
    Path beam = files.get("erts-13.1.5/bin/beam.smp");
    assertEquals(Optional.of("arm64"), NativeCode.architecture(List.of(arm)), "a library alone");
    assertEquals(Optional.of("amd64"), NativeCode.architecture(List.of(arm, beam)));
    Map<String, Path> both = new java.util.LinkedHashMap<>();
    both.put("lib/x/priv/crypto.so", arm);
    both.put("erts-13.1.5/bin/beam.smp", beam);
    assertEquals(Optional.of("amd64"), NativeCode.of(both).architecture());
    ElfFile armElf = ElfReader.read(arm);
    ElfFile beamElf = ElfReader.read(beam);
    assertEquals(Optional.of(beamElf), NativeCode.reference(List.of(armElf, beamElf)));
    assertEquals(Optional.empty(), NativeCode.reference(List.of()));
  }

  private static NativeCode code(Set<String> interpreters, Set<String> libraries) {
    return new NativeCode(Optional.of("amd64"), new TreeSet<>(interpreters), new TreeSet<>(libraries));
  }
}
