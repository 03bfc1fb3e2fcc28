package dev.relpack.boot;

import dev.relpack.elf.ElfFile;
import dev.relpack.elf.ElfFormatException;
import dev.relpack.elf.ElfReader;
import dev.relpack.elf.LibraryResolver;
import dev.relpack.elf.LibraryResolver.Missing;
import dev.relpack.elf.LibraryResolver.Needing;
import dev.relpack.elf.LoaderSearchPath;
import dev.relpack.elf.NativeCode;
import dev.relpack.elf.RootFileSystem;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseKind;
import dev.relpack.release.Shebang;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether a base can boot a release, the way the machine would when the container
 * starts: the kernel runs the release script with its {@code #!} shell, the script calls its
 * commands and {@code erl}, the dynamic loader of each ELF file finds its libraries (DT_NEEDED,
 * transitively, by the rules of that C library), and a release without ERTS finds the base's
 * Erlang with the exact versions its boot script names. The same rules judge every base: an
 * image's file tree and the files the host base took from this machine.
 */
public final class BootCheck {
  /** What mix, distillery, exrm and relx scripts call (see the release-kinds notes). */
  public static final List<String> REQUIRED_UTILITIES = List.of(
      "sh", "readlink", "cut", "sed", "grep", "awk", "dirname", "basename", "cat", "od", "dd",
      "date", "mkdir", "env", "tr", "head", "tail", "uname");
  private static final int MAX_TREE_DEPTH = 6;

  private final Release release;
  private final String appRoot;
  private final Map<String, String> imageEnv;

  /**
   * @param appRoot where the release lies in the image
   * @param imageEnv the environment the image sets (its own and the user's), which decides
   *     whether some pieces are needed at all ({@code RELEASE_DISTRIBUTION=none})
   */
  public BootCheck(Release release, String appRoot, Map<String, String> imageEnv) {
    this.release = release;
    this.appRoot = appRoot;
    this.imageEnv = Map.copyOf(imageEnv);
  }

  public Verdict check(CheckedBase base) throws IOException {
    Findings findings = new Findings(base);
    RootFileSystem files = base.files();
    Map<String, ElfFile> releaseElf = releaseElf();
    List<Needing> needing = new ArrayList<>();
    boolean libcMismatch = libcMismatch(releaseElf, files, findings);
    if (!libcMismatch) {
      releaseElf.forEach((path, elf) -> needing.add(new Needing(path, elf)));
    }
    programs(base, findings, needing);
    if (!release.ertsIncluded()) {
      erlang(base, findings, needing);
    }
    Optional<ElfFile> executable = executable(releaseElf, libcMismatch, needing);
    if (executable.isPresent()) {
      LibraryResolver resolver = new LibraryResolver(files,
          searchPath(files, executable.get()), path -> Optional.ofNullable(releaseElf.get(path)));
      for (Missing missing : resolver.resolve(needing).missing()) {
        boolean loader = missing.name().startsWith("/");
        findings.add(loader ? Problem.Kind.LOADER : Problem.Kind.LIBRARY, missing.name(),
            List.of(shown(missing.neededBy())), findings.libraryHint(missing.name()));
      }
    }
    return findings.verdict(this::onlyWarning);
  }

  /** The base loader's search path, after the image's LD_LIBRARY_PATH, which comes first. */
  private LoaderSearchPath searchPath(RootFileSystem files, ElfFile executable) throws IOException {
    LoaderSearchPath base = LoaderSearchPath.of(files, executable);
    String variable = imageEnv.getOrDefault("LD_LIBRARY_PATH", "");
    List<String> first = java.util.Arrays.stream(variable.split("[:;]"))
        .filter(dir -> dir.startsWith("/")).toList();
    if (first.isEmpty()) {
      return base;
    }
    List<String> configured = new ArrayList<>(first);
    configured.addAll(base.configured());
    return new LoaderSearchPath(configured, base.system());
  }

  /** The ELF files of the release, by their absolute path in the image. */
  private Map<String, ElfFile> releaseElf() throws IOException {
    return releaseElf(release, appRoot, unreadable -> { });
  }

  /**
   * The ELF files of a release, by their absolute path in the image.
   *
   * @param unreadable told of a file that looks like ELF and cannot be read as such (the loader
   *     could not use it either)
   */
  public static Map<String, ElfFile> releaseElf(Release release, String appRoot,
      java.util.function.Consumer<String> unreadable) throws IOException {
    Map<String, ElfFile> elf = new LinkedHashMap<>();
    for (ReleaseFile file : elfFiles(release)) {
      try {
        elf.put(appRoot + "/" + file.path(), ElfReader.read(file.source()));
      } catch (ElfFormatException e) {
        unreadable.accept(file.path() + " looks like ELF but cannot be read (" + e.getMessage()
            + ")");
      }
    }
    return elf;
  }

  /**
   * The files of a release that start as ELF files do, in its order, BEAM modules aside
   * ({@link ReleaseFile#beamModule}). Each file is opened for its first bytes, on every core.
   */
  private static List<ReleaseFile> elfFiles(Release release) throws IOException {
    try {
      return release.files().parallelStream()
          .filter(file -> !file.directory() && !file.beamModule() && isElf(file.source()))
          .toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static boolean isElf(Path file) {
    try {
      return ElfReader.isElf(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A release built against one C library on a base that has only the other: one problem that
   * says so, rather than every library of the release reported missing. The release's C library
   * is told by its loaders, or for a release of NIFs only (no ERTS) by the libc they link.
   */
  private boolean libcMismatch(Map<String, ElfFile> releaseElf, RootFileSystem files,
      Findings findings) throws IOException {
    java.util.SortedSet<String> needed = new java.util.TreeSet<>();
    releaseElf.values().forEach(elf -> needed.addAll(elf.needed()));
    Optional<String> wanted = new NativeCode(Optional.empty(), loaders(releaseElf), needed).libc();
    Optional<String> offered = baseLibc(files);
    if (wanted.isEmpty() || offered.isEmpty() || wanted.equals(offered)
        || wanted.get().contains(" and ")) {
      return false;
    }
    List<String> missing = new ArrayList<>();
    List<String> neededBy = new ArrayList<>();
    for (Map.Entry<String, ElfFile> entry : releaseElf.entrySet()) {
      for (String part : libcParts(entry.getValue())) {
        if (!present(files, part)) {
          if (!missing.contains(part)) {
            missing.add(part);
          }
          if (!neededBy.contains(shown(entry.getKey()))) {
            neededBy.add(shown(entry.getKey()));
          }
        }
      }
    }
    if (missing.isEmpty()) {
      return false; // a compatibility layer (gcompat, libc6-compat): let the libraries decide
    }
    String other = wanted.get().equals("glibc") ? "musl" : "glibc";
    findings.add(Problem.Kind.LIBC, missing.get(0), neededBy, Optional.empty(),
        "the release is built against " + wanted.get() + " and the base's C library is "
            + offered.get() + ": use a " + wanted.get() + " base ("
            + (wanted.get().equals("glibc") ? "Debian, Ubuntu" : "Alpine")
            + ") or build the release on a " + other + " system ("
            + (other.equals("musl") ? "Alpine" : "Debian, Ubuntu") + ")");
    return true;
  }

  private static java.util.SortedSet<String> loaders(Map<String, ElfFile> elf) {
    return elf.values().stream().flatMap(e -> e.interpreter().stream())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  /** What of its C library an ELF file names: its loader, or the libc it links. */
  private static List<String> libcParts(ElfFile elf) {
    if (elf.interpreter().isPresent()) {
      return List.of(elf.interpreter().get());
    }
    return elf.needed().stream()
        .filter(n -> n.equals("libc.so.6") || n.equals("libc.so") || n.startsWith("libc.musl-"))
        .toList();
  }

  /** A loader (by path) or a C library (by name, in the usual directories) the base has. */
  private static boolean present(RootFileSystem files, String part) throws IOException {
    if (part.startsWith("/")) {
      return files.isRegularFile(part);
    }
    for (String dir : List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu")) {
      if (files.isRegularFile(dir + "/" + part)) {
        return true;
      }
    }
    return false;
  }

  /** The C library whose loader the base has: musl, glibc, or empty (none, or both). */
  private static Optional<String> baseLibc(RootFileSystem files) throws IOException {
    boolean musl = false;
    boolean glibc = false;
    for (String dir : List.of("/lib", "/lib64", "/usr/lib", "/usr/lib64")) {
      for (String name : files.list(dir)) {
        musl |= name.startsWith("ld-musl-");
        glibc |= name.startsWith("ld-linux") || name.startsWith("ld64.so");
      }
    }
    return musl == glibc ? Optional.empty() : Optional.of(musl ? "musl" : "glibc");
  }

  /** The shell of the start script, the commands it calls, and what they link. */
  private void programs(CheckedBase base, Findings findings, List<Needing> needing)
      throws IOException {
    String script = release.startScript();
    Map<String, List<String>> programs = new LinkedHashMap<>();
    interpreters(script).forEach(program -> need(programs, program, script));
    if (release.kind() == ReleaseKind.DISTILLERY) {
      need(programs, "bash", script);
    }
    for (String utility : REQUIRED_UTILITIES) {
      if (programs.keySet().stream().noneMatch(p -> p.equals(utility) || p.endsWith("/" + utility))) {
        need(programs, utility, script);
      }
    }
    for (ReleaseFile file : release.files()) {
      if (!file.directory() && file.executable() && !file.path().equals(script)) {
        for (String program : interpreters(Optional.of(file))) {
          if (!inRelease(program)) {
            need(programs, program, file.path());
          }
        }
      }
    }
    for (Map.Entry<String, List<String>> program : programs.entrySet()) {
      Optional<String> found = locate(program.getKey(), base);
      if (found.isEmpty()) {
        findings.add(Problem.Kind.PROGRAM, program.getKey(), program.getValue(),
            findings.programHint(program.getKey()));
      } else {
        addElf(base.files(), found.get(), needing);
      }
    }
  }

  private static void need(Map<String, List<String>> programs, String program, String neededBy) {
    List<String> who = programs.computeIfAbsent(program, p -> new ArrayList<>());
    if (!who.contains(neededBy)) {
      who.add(neededBy);
    }
  }

  /** A program the release carries: in its own tree, or a tool of its ERTS ({@code escript}). */
  private boolean inRelease(String program) {
    return carries(release, appRoot, program);
  }

  /**
   * Whether a script's interpreter is the release's own: a path under the app root, or a name
   * the release has a {@code bin/} file of (ERTS's {@code escript}).
   */
  public static boolean carries(Release release, String appRoot, String program) {
    String asCarried = "/bin/" + program;
    return program.startsWith(appRoot + "/")
        || release.files().stream().anyMatch(f -> f.path().endsWith(asCarried));
  }

  /**
   * What a script's {@code #!} line runs: its first word, and for {@code env} also the first
   * word after env's options and assignments (a plain name, looked up on PATH).
   */
  private List<String> interpreters(String script) throws IOException {
    return interpreters(release.files().stream()
        .filter(f -> f.path().equals(script) && !f.directory()).findFirst());
  }

  private static List<String> interpreters(Optional<ReleaseFile> file) throws IOException {
    Optional<List<String>> shebang = file.isEmpty() ? Optional.empty()
        : Shebang.words(file.get().source());
    if (shebang.isEmpty() || shebang.get().isEmpty()) {
      return List.of();
    }
    List<String> words = shebang.get();
    if (!words.get(0).endsWith("/env")) {
      return List.of(words.get(0));
    }
    List<String> programs = new ArrayList<>(List.of(words.get(0)));
    Shebang.programAfterEnv(words).ifPresent(programs::add);
    return programs;
  }

  /** Where the base has a program: its absolute path, or a plain name looked up on PATH. */
  private static Optional<String> locate(String program, CheckedBase base) throws IOException {
    if (program.startsWith("/")) {
      return base.files().isExecutable(program) ? Optional.of(program) : Optional.empty();
    }
    for (String dir : base.path()) {
      String candidate = (dir.endsWith("/") ? dir : dir + "/") + program;
      if (candidate.startsWith("/") && base.files().isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * For a release without ERTS ({@code include_erts: false}): the base's {@code erl} on PATH,
   * and in its Erlang root the ERTS and every application the release does not carry, at the
   * exact versions the {@code .rel} names (anything else fails with {@code cannot load
   * error_handler}); their binaries and NIFs are checked like the release's own.
   */
  private void erlang(CheckedBase base, Findings findings, List<Needing> needing)
      throws IOException {
    RootFileSystem files = base.files();
    String rel = "releases/" + release.version() + "/" + release.name() + ".rel";
    Optional<String> erl = locate("erl", base);
    if (erl.isEmpty()) {
      findings.add(Problem.Kind.ERTS, "erl", List.of(release.startScript()), Optional.empty(),
          "the release has no ERTS (include_erts: false), so it runs the base's Erlang: use a"
              + " base with ERTS " + release.ertsVersion() + " and its erl on PATH");
      return;
    }
    String real = files.realPath(erl.get()).orElse(erl.get());
    String root = parent(parent(real));
    String erts = root + "/erts-" + release.ertsVersion();
    if (!files.isDirectory(erts)) {
      findings.add(Problem.Kind.ERTS, "ERTS " + release.ertsVersion(), List.of(rel),
          Optional.empty(), "the release has no ERTS (include_erts: false) and the base's"
              + " Erlang in " + root + " has " + versions(files, root, "erts"));
      return;
    }
    addElfTree(files, erts + "/bin", needing, 1);
    Set<String> carried = release.files().stream().filter(ReleaseFile::directory)
        .map(ReleaseFile::path).collect(Collectors.toSet());
    for (ReleaseApp app : release.apps()) {
      if (carried.contains("lib/" + app.directory())) {
        continue;
      }
      String dir = root + "/lib/" + app.directory();
      if (files.isDirectory(dir)) {
        addElfTree(files, dir + "/priv", needing, 0);
      } else {
        findings.add(Problem.Kind.APPLICATION, app.directory(), List.of(rel), Optional.empty(),
            "the release has no ERTS (include_erts: false) and the base's Erlang in " + root
                + " has " + versions(files, root + "/lib", app.name()));
      }
    }
  }

  /** "erts-13.0.4, erts-13.1" or "no erts": the versions of a name in a directory. */
  private static String versions(RootFileSystem files, String dir, String name)
      throws IOException {
    List<String> found = files.list(dir).stream().filter(n -> n.startsWith(name + "-")).toList();
    return found.isEmpty() ? "no " + name : String.join(", ", found);
  }

  /** The ELF files of a base directory, down to a few levels. */
  private static void addElfTree(RootFileSystem files, String dir, List<Needing> needing,
      int depth) throws IOException {
    for (String name : files.list(dir)) {
      String path = dir + "/" + name;
      if (files.isDirectory(path) && depth < MAX_TREE_DEPTH) {
        addElfTree(files, path, needing, depth + 1);
      } else {
        addElf(files, path, needing);
      }
    }
  }

  private static void addElf(RootFileSystem files, String path, List<Needing> needing)
      throws IOException {
    Optional<ElfFile> elf = files.elf(path);
    if (elf.isPresent()) {
      needing.add(new Needing(files.realPath(path).orElse(path), elf.get()));
    }
  }

  /**
   * The executable whose loader decides the search path of every object in the process: the
   * release's (beam.smp), else the first program found with one (the shell).
   */
  private static Optional<ElfFile> executable(Map<String, ElfFile> releaseElf,
      boolean libcMismatch, List<Needing> needing) {
    Optional<ElfFile> reference = libcMismatch ? Optional.empty()
        : NativeCode.reference(List.copyOf(releaseElf.values()));
    if (reference.isPresent() && reference.get().interpreter().isPresent()) {
      return reference;
    }
    return needing.stream().map(Needing::elf).filter(e -> e.interpreter().isPresent()).findFirst()
        .or(() -> reference);
  }

  /**
   * Whether the release boots without it: the interpreter of a script other than {@code bin/*}
   * (only that script will not run); a library only epmd needs, with distribution off; the NIF
   * of an application boot does not load.
   */
  private boolean onlyWarning(Problem problem) {
    if (problem.kind() == Problem.Kind.PROGRAM) {
      return problem.neededBy().stream().noneMatch(who -> who.startsWith("bin/"));
    }
    if (problem.kind() != Problem.Kind.LIBRARY) {
      return false;
    }
    boolean distributionOff = "none".equals(imageEnv.get("RELEASE_DISTRIBUTION"));
    return problem.neededBy().stream().allMatch(who ->
        distributionOff && who.matches("(.*/)?erts-[^/]+/bin/epmd") || notLoadedAtBoot(who));
  }

  /**
   * Whether a file is a NIF of an application whose modules boot does not load: one the boot
   * script does not start ({@code load} or {@code none} in the {@code .rel}), in interactive
   * mode. In embedded mode, mix's default, boot loads every module of every application of the
   * release, and a NIF that fails to load stops it ({@code on_load_function_failed}).
   */
  private boolean notLoadedAtBoot(String path) {
    return "interactive".equals(imageEnv.get("RELEASE_MODE")) && release.apps().stream()
        .anyMatch(app -> !app.started() && (path.startsWith("lib/" + app.directory() + "/")
            || path.contains("/lib/" + app.directory() + "/")));
  }

  private String shown(String path) {
    return path.startsWith(appRoot + "/") ? path.substring(appRoot.length() + 1) : path;
  }

  private List<String> shown(List<String> paths) {
    return paths.stream().map(this::shown).toList();
  }

  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }
}
