package dev.relpack.elf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Finds every shared library a set of ELF objects needs, transitively, the way the dynamic loader
 * would: DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH, the ldconfig directories, then the
 * loader's system directories, taking only libraries of the same class and machine. Objects of the
 * release are looked up in the release first (for {@code $ORIGIN} paths); everything else is
 * looked up in a root file system: this machine's for the host base, an image's for any other.
 */
public final class LibraryResolver {
  private final RootFileSystem root;
  private final LoaderSearchPath searchPath;
  private final Function<String, Optional<ElfFile>> inRelease;

  /**
   * @param root the file system whose libraries are used (this machine's, or the base's)
   * @param searchPath where the machine's loader looks; the executable's loader decides it for
   *     every object of the process, NIFs included (they name no loader of their own)
   * @param inRelease the ELF facts of a release file by its absolute path in the image, if the
   *     release has such a file
   */
  public LibraryResolver(RootFileSystem root, LoaderSearchPath searchPath,
      Function<String, Optional<ElfFile>> inRelease) {
    this.root = root;
    this.searchPath = searchPath;
    this.inRelease = inRelease;
  }

  /** An ELF object that needs libraries: its absolute path (in the image or on the machine). */
  public record Needing(String path, ElfFile elf) {}

  /**
   * A library found on the machine.
   *
   * @param path where the loader finds it (an absolute, not canonicalised, path)
   * @param onSystemPath whether that directory is one the loader searches with no help (RUNPATH,
   *     RPATH or its built-in list), as opposed to one it knows only through ld.so.cache
   */
  public record Found(String name, String path, boolean onSystemPath) {}

  /** A library or loader nothing provides. */
  public record Missing(String name, String neededBy) {}

  /** What the objects need from the machine: loaders, libraries, and what is missing. */
  public record Resolution(Set<String> interpreters, List<Found> libraries, List<Missing> missing) {}

  public Resolution resolve(List<Needing> objects) throws IOException {
    Deque<Needing> queue = new ArrayDeque<>(objects);
    Set<String> visited = new HashSet<>();
    Set<String> interpreters = new LinkedHashSet<>();
    Map<String, Found> found = new LinkedHashMap<>();
    List<Missing> missing = new ArrayList<>();
    Set<String> loaded = loaderNames(objects);
    while (!queue.isEmpty()) {
      Needing object = queue.poll();
      if (!visited.add(object.path())) {
        continue;
      }
      if (object.elf().interpreter().isPresent()) {
        String interpreter = object.elf().interpreter().get();
        if (root.isRegularFile(interpreter)) {
          interpreters.add(interpreter);
        } else {
          missing.add(new Missing(interpreter, object.path()));
        }
      }
      for (String name : object.elf().needed()) {
        if (loaded.contains(name) || builtIntoMusl(name, loaded)) {
          continue; // libc names the loader, which is in the process already under that name
        }
        Optional<Needing> library = find(name, object, searchPath, found);
        if (library.isEmpty()) {
          missing.add(new Missing(name, object.path()));
        } else {
          queue.add(library.get());
        }
      }
    }
    return new Resolution(interpreters, List.copyOf(found.values()), missing);
  }

  /**
   * The names of the loaders the objects run with, where the root has them. The loader is the
   * first object of every process, and the loader satisfies a DT_NEEDED by an object already
   * loaded under that name before it searches any directory.
   */
  private Set<String> loaderNames(List<Needing> objects) throws IOException {
    Set<String> names = new HashSet<>();
    for (Needing object : objects) {
      Optional<String> loader = object.elf().interpreter();
      if (loader.isPresent() && root.isRegularFile(loader.get())) {
        names.add(loader.get().substring(loader.get().lastIndexOf('/') + 1));
      }
    }
    return names;
  }

  /**
   * musl's loader is its C library, and answers for the libraries glibc splits it into
   * ({@code libm}, {@code libpthread}, ...: its {@code ldso/dynlink.c} reserves their names)
   * without looking for a file.
   */
  private static boolean builtIntoMusl(String name, Set<String> loaded) {
    return loaded.stream().anyMatch(l -> l.startsWith("ld-musl-"))
        && (name.startsWith("libc.musl-")
            || name.matches("lib(c|m|pthread|rt|dl|util|xnet)\\.so(\\..*)?"));
  }

  private Optional<Needing> find(String name, Needing from, LoaderSearchPath searchPath,
      Map<String, Found> found) throws IOException {
    if (name.contains("/")) {
      return candidate(name, from, found, true, name);
    }
    ElfFile elf = from.elf();
    List<String> explicit = new ArrayList<>(elf.runpath().isEmpty() ? elf.rpath() : List.of());
    explicit.addAll(elf.runpath());
    for (String dir : explicit) {
      Optional<Needing> hit = candidate(expand(dir, from) + "/" + name, from, found, true, name);
      if (hit.isPresent()) {
        return hit;
      }
    }
    for (String dir : searchPath.all()) {
      Optional<Needing> hit = candidate(dir + "/" + name, from, found,
          searchPath.system().contains(dir), name);
      if (hit.isPresent()) {
        return hit;
      }
    }
    return Optional.empty();
  }

  /** The library at {@code path} if it exists and fits; release files first, then the machine. */
  private Optional<Needing> candidate(String path, Needing from, Map<String, Found> found,
      boolean onSystemPath, String name) throws IOException {
    String normal = Path.of(path).normalize().toString();
    Optional<ElfFile> released = inRelease.apply(normal);
    if (released.isPresent()) {
      return released.filter(from.elf()::compatibleWith).map(elf -> new Needing(normal, elf));
    }
    if (offLimits(normal)) {
      return Optional.empty();
    }
    Optional<ElfFile> elf = root.elf(normal).filter(from.elf()::compatibleWith);
    if (elf.isEmpty()) {
      return Optional.empty();
    }
    found.putIfAbsent(normal, new Found(name, normal, onSystemPath));
    return Optional.of(new Needing(normal, elf.get()));
  }

  /** A name the release wrote (DT_NEEDED with a '/', an RPATH) never reaches /proc or /etc. */
  private boolean offLimits(String normal) throws IOException {
    return OffLimits.contains(normal) || root.realPath(normal).map(OffLimits::contains).orElse(false);
  }

  private static String expand(String dir, Needing from) {
    String origin = from.path().substring(0, Math.max(1, from.path().lastIndexOf('/')));
    return dir.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        .replace("${LIB}", from.elf().is64Bit() ? "lib64" : "lib")
        .replace("$LIB", from.elf().is64Bit() ? "lib64" : "lib");
  }
}
