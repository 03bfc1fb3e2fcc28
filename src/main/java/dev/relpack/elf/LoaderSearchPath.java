package dev.relpack.elf;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
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
  public static LoaderSearchPath of(RootFileSystem root, ElfFile elf) throws IOException {
    String interpreter = elf.interpreter().orElse("");
    if (interpreter.contains("ld-musl")) {
      return musl(root, interpreter);
    }
    return new LoaderSearchPath(ldSoConf(root, "/etc/ld.so.conf", 0), glibcSystem(root, elf));
  }

  private static LoaderSearchPath musl(RootFileSystem root, String interpreter)
      throws IOException {
    // musl reads /etc/ld-musl-ARCH.path at run time, where ARCH is in the loader's name
    String arch = interpreter.replaceAll(".*ld-musl-(.*)\\.so.*", "$1");
    Optional<String> pathFile = root.text("/etc/ld-musl-" + arch + ".path");
    if (pathFile.isPresent()) {
      List<String> dirs = Arrays.stream(pathFile.get().split("[:\\n]"))
          .map(String::trim).filter(s -> s.startsWith("/")).toList();
      return new LoaderSearchPath(List.of(), dirs);
    }
    return new LoaderSearchPath(List.of(), List.of("/lib", "/usr/local/lib", "/usr/lib"));
  }

  private static List<String> glibcSystem(RootFileSystem root, ElfFile elf) throws IOException {
    String triplet = multiarchTriplet(elf);
    if (triplet != null && (root.isDirectory("/lib/" + triplet)
        || root.isDirectory("/usr/lib/" + triplet))) {
      return List.of("/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib");
    }
    return elf.is64Bit() && root.isDirectory("/usr/lib64")
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

  private static List<String> ldSoConf(RootFileSystem root, String conf, int depth)
      throws IOException {
    List<String> dirs = new ArrayList<>();
    Optional<String> text = depth > 8 ? Optional.empty() : root.text(conf);
    if (text.isEmpty()) {
      return dirs;
    }
    for (String raw : text.get().split("\n")) {
      String line = raw.replaceAll("#.*", "").trim();
      if (line.startsWith("include")) {
        for (String included : glob(root, line.substring("include".length()).trim())) {
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
  private static List<String> glob(RootFileSystem root, String pattern) throws IOException {
    String absolute = pattern.startsWith("/") ? pattern : "/etc/" + pattern;
    String dir = absolute.substring(0, Math.max(1, absolute.lastIndexOf('/')));
    PathMatcher names = FileSystems.getDefault()
        .getPathMatcher("glob:" + absolute.substring(absolute.lastIndexOf('/') + 1));
    List<String> matches = new ArrayList<>();
    for (String name : root.list(dir)) {
      if (names.matches(Path.of(name))) {
        matches.add((dir.equals("/") ? "" : dir) + "/" + name);
      }
    }
    return matches;
  }
}
