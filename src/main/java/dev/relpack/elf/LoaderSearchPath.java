package dev.relpack.elf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a machine's dynamic loader looks for libraries besides DT_RPATH and DT_RUNPATH: the
 * directories ldconfig caches (from {@code /etc/ld.so.conf} and its includes), then the loader's
 * built-in system directories, which depend on the C library and the distribution's layout.
 */
public record LoaderSearchPath(List<String> configured, List<String> system) {
  public LoaderSearchPath {
    configured = List.copyOf(configured);
    system = List.copyOf(system);
  }

  /** All directories in search order, without repeats. */
  public List<String> all() {
    Set<String> dirs = new LinkedHashSet<>(configured);
    dirs.addAll(system);
    return List.copyOf(dirs);
  }

  /** The search path of the machine whose root is {@code root}, for objects like {@code elf}. */
  public static LoaderSearchPath of(Path root, ElfFile elf) throws IOException {
    String interpreter = elf.interpreter().orElse("");
    if (interpreter.contains("ld-musl")) {
      return musl(root, interpreter);
    }
    return new LoaderSearchPath(ldSoConf(root, root.resolve("etc/ld.so.conf"), 0), glibcSystem(root, elf));
  }

  private static LoaderSearchPath musl(Path root, String interpreter) throws IOException {
    // musl reads /etc/ld-musl-ARCH.path at run time, where ARCH is in the loader's name
    String arch = interpreter.replaceAll(".*ld-musl-(.*)\\.so.*", "$1");
    Path pathFile = root.resolve("etc/ld-musl-" + arch + ".path");
    if (Files.isRegularFile(pathFile)) {
      List<String> dirs = Arrays.stream(Files.readString(pathFile).split("[:\\n]"))
          .map(String::trim).filter(s -> s.startsWith("/")).toList();
      return new LoaderSearchPath(List.of(), dirs);
    }
    return new LoaderSearchPath(List.of(), List.of("/lib", "/usr/local/lib", "/usr/lib"));
  }

  private static List<String> glibcSystem(Path root, ElfFile elf) {
    String triplet = multiarchTriplet(elf);
    if (triplet != null && (Files.isDirectory(root.resolve("lib/" + triplet))
        || Files.isDirectory(root.resolve("usr/lib/" + triplet)))) {
      return List.of("/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib");
    }
    return elf.is64Bit() && Files.isDirectory(root.resolve("usr/lib64"))
        ? List.of("/lib64", "/usr/lib64")
        : List.of("/lib", "/usr/lib");
  }

  /** Debian's multiarch directory name for an ELF machine. */
  static String multiarchTriplet(ElfFile elf) {
    return switch (elf.machine()) {
      case 62 -> "x86_64-linux-gnu";
      case 183 -> "aarch64-linux-gnu";
      case 3 -> "i386-linux-gnu";
      case 40 -> "arm-linux-gnueabihf";
      case 21 -> elf.is64Bit() ? "powerpc64le-linux-gnu" : null;
      case 22 -> "s390x-linux-gnu";
      case 243 -> "riscv64-linux-gnu";
      default -> null;
    };
  }

  private static List<String> ldSoConf(Path root, Path conf, int depth) throws IOException {
    List<String> dirs = new ArrayList<>();
    if (depth > 8 || !Files.isRegularFile(conf)) {
      return dirs;
    }
    for (String raw : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
      String line = raw.replaceAll("#.*", "").trim();
      if (line.startsWith("include")) {
        for (Path included : glob(root, line.substring("include".length()).trim())) {
          dirs.addAll(ldSoConf(root, included, depth + 1));
        }
      } else if (line.startsWith("/")) {
        dirs.addAll(Arrays.asList(line.split("[\\s:,=]+")).stream()
            .filter(s -> s.startsWith("/")).toList());
      }
    }
    return dirs;
  }

  /** Files matching an ld.so.conf include pattern (relative ones are relative to /etc). */
  private static List<Path> glob(Path root, String pattern) throws IOException {
    String absolute = pattern.startsWith("/") ? pattern : "/etc/" + pattern;
    Path dir = root.resolve(absolute.substring(1, absolute.lastIndexOf('/') + 1));
    String namePattern = absolute.substring(absolute.lastIndexOf('/') + 1);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> matches = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, namePattern)) {
      stream.forEach(matches::add);
    }
    matches.sort(null);
    return matches;
  }
}
