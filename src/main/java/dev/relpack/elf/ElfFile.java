package dev.relpack.elf;

import java.util.List;
import java.util.Optional;

/**
 * What the dynamic loader needs to know about an ELF file.
 *
 * @param is64Bit ELFCLASS64 rather than ELFCLASS32
 * @param machine the e_machine value (62 x86-64, 183 AArch64, ...)
 * @param interpreter the PT_INTERP path (the dynamic loader), absent for static and shared objects
 * @param needed DT_NEEDED entries, in order
 * @param runpath DT_RUNPATH directories (may contain {@code $ORIGIN})
 * @param rpath DT_RPATH directories (only used by the loader when there is no DT_RUNPATH)
 */
public record ElfFile(
    boolean is64Bit,
    int machine,
    Optional<String> interpreter,
    List<String> needed,
    List<String> runpath,
    List<String> rpath) {

  public ElfFile {
    needed = List.copyOf(needed);
    runpath = List.copyOf(runpath);
    rpath = List.copyOf(rpath);
  }

  /** Whether a library built as {@code other} can be loaded into this file's process. */
  public boolean compatibleWith(ElfFile other) {
    return is64Bit == other.is64Bit && machine == other.machine;
  }

  /** This machine's architecture as OCI names it, for when no ELF file says. */
  public static String thisMachine() {
    return switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      default -> System.getProperty("os.arch");
    };
  }

  /** The machine as the OCI {@code architecture} names it, if it is one of those. */
  public Optional<String> ociArchitecture() {
    return switch (machine) {
      case 62 -> Optional.of("amd64");
      case 183 -> Optional.of("arm64");
      case 3 -> Optional.of("386");
      case 40 -> Optional.of("arm");
      case 21 -> Optional.of(is64Bit ? "ppc64le" : "ppc");
      case 22 -> Optional.of("s390x");
      case 243 -> Optional.of("riscv64");
      default -> Optional.empty();
    };
  }
}
