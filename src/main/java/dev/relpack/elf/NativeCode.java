package dev.relpack.elf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a release's native code (ERTS, NIFs, port programs) asks of the system it runs on: the
 * architecture, the dynamic loader (which says glibc or musl) and the shared libraries it links
 * that the release does not carry. This is what a base must provide.
 *
 * @param architecture the OCI architecture of the first ELF file; empty when there is none
 * @param interpreters the PT_INTERP paths named
 * @param libraries DT_NEEDED names no file of the release is called
 */
public record NativeCode(Optional<String> architecture, SortedSet<String> interpreters,
    SortedSet<String> libraries) {

  public NativeCode {
    interpreters = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(interpreters));
    libraries = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(libraries));
  }

  /** Reads every ELF file of {@code files} (release path to file). */
  public static NativeCode of(Map<String, Path> files) {
    Optional<String> architecture = Optional.empty();
    SortedSet<String> interpreters = new TreeSet<>();
    SortedSet<String> needed = new TreeSet<>();
    SortedSet<String> names = new TreeSet<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      names.add(file.getKey().substring(file.getKey().lastIndexOf('/') + 1));
      Optional<ElfFile> elf = readIfElf(file.getValue());
      if (elf.isPresent()) {
        architecture = architecture.or(() -> Optional.of(architectureOf(elf.get())));
        elf.get().interpreter().ifPresent(interpreters::add);
        needed.addAll(elf.get().needed());
      }
    }
    needed.removeAll(names);
    return new NativeCode(architecture, interpreters, needed);
  }

  /** The OCI architecture of the first ELF file of {@code files}, without reading the others. */
  public static Optional<String> architecture(Iterable<Path> files) {
    for (Path file : files) {
      Optional<ElfFile> elf = readIfElf(file);
      if (elf.isPresent()) {
        return Optional.of(architectureOf(elf.get()));
      }
    }
    return Optional.empty();
  }

  /** The C library the loader belongs to: {@code glibc}, {@code musl}, or empty if unknown. */
  public Optional<String> libc() {
    if (interpreters.stream().anyMatch(i -> i.contains("ld-musl"))) {
      return Optional.of("musl");
    }
    if (interpreters.stream().anyMatch(i -> i.contains("ld-linux"))) {
      return Optional.of("glibc");
    }
    return Optional.empty();
  }

  private static String architectureOf(ElfFile elf) {
    return elf.ociArchitecture().orElse(ElfFile.thisMachine());
  }

  private static Optional<ElfFile> readIfElf(Path file) {
    try {
      return ElfReader.isElf(file) ? Optional.of(ElfReader.read(file)) : Optional.empty();
    } catch (IOException | ElfFormatException e) {
      // not readable as ELF after all: not native code relpack can say anything about
      return Optional.empty();
    }
  }
}
