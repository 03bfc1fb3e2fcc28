package dev.relpack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.elf.LibraryResolver.Found;
import dev.relpack.elf.LibraryResolver.Missing;
import dev.relpack.elf.LibraryResolver.Needing;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against this machine's libraries, the way the loader would find them. */
class LibraryResolverTest {
  @TempDir Path cache;
  /** This machine's loader search path, for a 64-bit x86 glibc executable. */
  static final LoaderSearchPath SEARCH = searchPath();

  private static LoaderSearchPath searchPath() {
    try {
      Path java = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
      return LoaderSearchPath.of(new MachineFileSystem(Path.of("/")), ElfReader.read(java));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void findsEveryLibraryTheDemoReleaseNeedsTransitively() throws Exception {
    Release demo = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.demoTarball());
    Map<String, ElfFile> elf = new java.util.LinkedHashMap<>();
    for (ReleaseFile f : demo.files()) {
      if (!f.directory() && ElfReader.isElf(f.source())) {
        elf.put("/app/" + f.path(), ElfReader.read(f.source()));
      }
    }
    LibraryResolver.Resolution resolution = new LibraryResolver(new MachineFileSystem(Path.of("/")), SEARCH,
        p -> Optional.ofNullable(elf.get(p))).resolve(
            elf.entrySet().stream().map(e -> new Needing(e.getKey(), e.getValue())).toList());

    assertEquals(List.of(), resolution.missing());
    assertEquals(Set.of("/lib64/ld-linux-x86-64.so.2"), resolution.interpreters());
    Set<String> names = resolution.libraries().stream().map(Found::name).collect(Collectors.toSet());
    // direct needs of beam.smp and the crypto NIF, and epmd's libsystemd with what it needs
    assertTrue(names.containsAll(Set.of("libc.so.6", "libtinfo.so.6", "libstdc++.so.6",
        "libcrypto.so.3", "libsystemd.so.0", "libgcc_s.so.1", "liblzma.so.5")), names.toString());
    for (Found library : resolution.libraries()) {
      assertTrue(Files.isRegularFile(Path.of(library.path())), library.path());
      assertTrue(library.path().endsWith("/" + library.name()), library.toString());
    }
  }

  @Test
  void reportsWhatNothingProvides() throws Exception {
    Path missing = Testdata.root().resolve("elf/needs-missing-lib.so");
    LibraryResolver.Resolution resolution = new LibraryResolver(new MachineFileSystem(Path.of("/")), SEARCH, p -> Optional.empty())
        .resolve(List.of(new Needing("/app/lib/x/priv/nif.so", ElfReader.read(missing))));
    assertEquals(List.of(new Missing("libcrypxo.so.3", "/app/lib/x/priv/nif.so")),
        resolution.missing());
    assertTrue(resolution.libraries().stream().anyMatch(f -> f.name().equals("libc.so.6")));
  }

  @Test
  void originPathsResolveInsideTheReleaseFirst() throws Exception {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
    ElfFile launcher = ElfReader.read(java);
    ElfFile jli = ElfReader.read(java.getParent().resolveSibling("lib/libjli.so"));
    // the launcher placed in a pretend release, with its libjli.so beside it
    Map<String, ElfFile> release = Map.of("/app/bin/java", launcher, "/app/lib/libjli.so", jli);
    LibraryResolver.Resolution resolution = new LibraryResolver(new MachineFileSystem(Path.of("/")), SEARCH,
        p -> Optional.ofNullable(release.get(p)))
        .resolve(List.of(new Needing("/app/bin/java", launcher)));
    assertEquals(List.of(), resolution.missing());
    assertTrue(resolution.libraries().stream().noneMatch(f -> f.name().equals("libjli.so")),
        "libjli.so comes from the release, not the machine");
  }

  @Test
  void objectsWithoutALoaderOfTheirOwnSearchWhereTheExecutablesLoaderDoes(@TempDir Path machine)
      throws Exception {
    // a musl machine whose path file sends the loader to /opt/ssl/lib, with libcrypto there
    Files.createDirectories(machine.resolve("etc"));
    Files.createDirectories(machine.resolve("opt/ssl/lib"));
    Files.writeString(machine.resolve("etc/ld-musl-x86_64.path"), "/lib\n/opt/ssl/lib\n");
    Path libcrypto = new LibraryResolver(new MachineFileSystem(Path.of("/")), SEARCH, p -> Optional.empty())
        .resolve(List.of(new Needing("/nif.so",
            ElfReader.read(Testdata.root().resolve("elf/needs-missing-lib.so")))))
        .libraries().stream().filter(f -> f.name().equals("libc.so.6")).findFirst()
        .map(f -> Path.of(f.path())).orElseThrow();
    Files.copy(libcrypto, machine.resolve("opt/ssl/lib/libcrypxo.so.3"));
    ElfFile executable = new ElfFile(true, 62, Optional.of("/lib/ld-musl-x86_64.so.1"), List.of(),
        List.of(), List.of());
    ElfFile nif = ElfReader.read(Testdata.root().resolve("elf/needs-missing-lib.so"));
    LibraryResolver.Resolution resolution = new LibraryResolver(new MachineFileSystem(machine),
        LoaderSearchPath.of(new MachineFileSystem(machine), executable), p -> Optional.empty())
        .resolve(List.of(new Needing("/app/lib/x/priv/nif.so", nif)));
    assertTrue(resolution.libraries().stream().anyMatch(
        f -> f.path().equals("/opt/ssl/lib/libcrypxo.so.3") && f.onSystemPath()), resolution.toString());
  }
}
