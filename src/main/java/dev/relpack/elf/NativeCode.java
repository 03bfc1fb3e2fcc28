package dev.relpack.elf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a release's native code (ERTS, NIFs, port programs) asks of the system it runs on: the
 * architecture, the dynamic loader (which says glibc or musl) and the shared libraries it links
 * that the release does not carry. This is what a base must provide.
 *
 * @param architecture the OCI architecture of the code, as {@link #reference} picks the file that
 *     says; empty when there is no ELF file
 * @param interpreters the PT_INTERP paths named
 * @param libraries DT_NEEDED names no file of the release is called
 */
public record NativeCode(Optional<String> architecture, SortedSet<String> interpreters,
    SortedSet<String> libraries) {

  public NativeCode {
    interpreters = Collections.unmodifiableSortedSet(new TreeSet<>(interpreters));
    libraries = Collections.unmodifiableSortedSet(new TreeSet<>(libraries));
  }

  /** Reads every ELF file of {@code files} (release path to file, in the release's order). */
  public static NativeCode of(Map<String, Path> files) {
    List<ElfFile> elfFiles = new ArrayList<>();
    SortedSet<String> needed = new TreeSet<>();
    SortedSet<String> names = new TreeSet<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      names.add(file.getKey().substring(file.getKey().lastIndexOf('/') + 1));
      readIfElf(file.getValue()).ifPresent(elf -> {
        elfFiles.add(elf);
        needed.addAll(elf.needed());
      });
    }
    needed.removeAll(names);
    SortedSet<String> interpreters = new TreeSet<>();
    elfFiles.forEach(elf -> elf.interpreter().ifPresent(interpreters::add));
    return new NativeCode(reference(elfFiles).map(NativeCode::architectureOf), interpreters, needed);
  }

  /**
   * The OCI architecture of {@code files}' native code, reading no more than it takes: that of
   * the first executable, else of the first ELF file, as {@link #reference} picks.
   */
  public static Optional<String> architecture(Iterable<Path> files) {
    Optional<ElfFile> first = Optional.empty();
    for (Path file : files) {
      Optional<ElfFile> elf = readIfElf(file);
      if (elf.isPresent() && elf.get().interpreter().isPresent()) {
        return elf.map(NativeCode::architectureOf);
      }
      first = first.or(() -> elf);
    }
    return first.map(NativeCode::architectureOf);
  }

  /**
   * The ELF file that speaks for the release's platform: the first with a loader (an
   * executable, such as beam.smp), else the first (a release of NIFs only).
   */
  public static Optional<ElfFile> reference(List<ElfFile> elfFiles) {
    return elfFiles.stream().filter(elf -> elf.interpreter().isPresent()).findFirst()
        .or(() -> elfFiles.stream().findFirst());
  }

  /**
   * The C library the code was built against, from its loaders and DT_NEEDED names: {@code
   * glibc}, {@code musl}, {@code glibc and musl} (a release no one base can run), or empty.
   */
  public Optional<String> libc() {
    boolean musl = interpreters.stream().anyMatch(i -> i.contains("/ld-musl-"))
        || libraries.contains("libc.so")
        || libraries.stream().anyMatch(l -> l.startsWith("libc.musl-"));
    boolean glibc = interpreters.stream().anyMatch(i -> i.contains("/ld-linux") || i.contains("/ld64.so"))
        || libraries.contains("libc.so.6");
    if (musl && glibc) {
      return Optional.of("glibc and musl");
    }
    return musl ? Optional.of("musl") : glibc ? Optional.of("glibc") : Optional.empty();
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
