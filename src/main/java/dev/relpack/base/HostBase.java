package dev.relpack.base;

import dev.relpack.elf.ElfFile;
import dev.relpack.elf.ElfFormatException;
import dev.relpack.elf.ElfReader;
import dev.relpack.elf.LibraryResolver;
import dev.relpack.elf.LibraryResolver.Found;
import dev.relpack.elf.NativeCode;
import dev.relpack.elf.LibraryResolver.Needing;
import dev.relpack.elf.LoaderSearchPath;
import dev.relpack.elf.MachineFileSystem;
import dev.relpack.boot.BootCheck;
import dev.relpack.format.dockerarchive.DockerArchiveWriter;
import dev.relpack.io.AtomicFiles;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseKind;
import dev.relpack.release.Shebang;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A base made from this machine's own files, for building where the release was built: the
 * dynamic loader and every shared library the release's ELF files need (transitively), a POSIX
 * shell and the utilities release scripts call (busybox when the machine has it), the interpreters
 * named by the release's scripts, /etc/passwd and /etc/group with the runtime user, /tmp (1777),
 * the CA bundle, and what scanners read ({@link HostPackages}: os-release and the records of the
 * packages owning those files). The archive is cached under a key made of the files' identities,
 * so an unchanged machine gives the same base, byte for byte, without rebuilding it. What the machine lacks is
 * left out here and named by the boot check, which judges this base by the same rules as any
 * other.
 */
final class HostBase {
  static final String PATH = String.join(":", HostFileRules.PROGRAM_DIRS);
  /** Where a program is looked for on the machine, in the order a usual shell PATH has them. */
  private static final List<String> PATH_DIRS =
      List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin");
  private static final List<String> OPTIONAL_UTILITIES = List.of(
      "egrep", "hostname", "id", "ps", "kill", "sleep", "sort", "ls", "which", "printf", "logger",
      "mktemp", "cp", "mv", "rm", "chmod", "ln", "expr", "true", "false", "wc", "tee", "xargs",
      "find", "whoami", "touch", "test", "[");
  private static final List<String> BUSYBOX_LOCATIONS =
      List.of("/usr/bin/busybox", "/bin/busybox", "/usr/sbin/busybox", "/sbin/busybox");
  private static final List<String> CA_BUNDLES = List.of("/etc/ssl/certs/ca-certificates.crt",
      "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem");

  private final Path machine;
  private final Path cacheRoot;
  private final Consumer<String> warn;
  private final List<String> busyboxLocations;
  private final Optional<Path> privateState;

  /**
   * @param machine the root of the machine to take files from ({@code /})
   * @param cacheRoot where built bases are kept
   * @param warn where to say what cannot be read
   */
  HostBase(Path machine, Path cacheRoot, Consumer<String> warn) {
    this(machine, cacheRoot, warn, BUSYBOX_LOCATIONS);
  }

  /** @param busyboxLocations where to look for busybox; none to use the machine's own tools */
  HostBase(Path machine, Path cacheRoot, Consumer<String> warn, List<String> busyboxLocations) {
    this(machine, cacheRoot, warn, busyboxLocations, Optional.empty());
  }

  private HostBase(Path machine, Path cacheRoot, Consumer<String> warn,
      List<String> busyboxLocations, Optional<Path> privateState) {
    this.machine = machine;
    this.cacheRoot = cacheRoot;
    this.warn = warn;
    this.busyboxLocations = List.copyOf(busyboxLocations);
    this.privateState = privateState;
  }

  /** This base, remembering in {@code privateState} which packages own the files it copies. */
  HostBase withPrivateState(Optional<Path> privateState) {
    return new HostBase(machine, cacheRoot, warn, busyboxLocations, privateState);
  }

  /** The options that change the base: where the app goes and who runs it. */
  record Options(String appRoot, String user) {}

  BaseImage build(Release release, Options options) throws IOException {
    Map<String, ElfFile> releaseElf = BootCheck.releaseElf(release, options.appRoot(), warn);
    releaseElf.forEach((path, elf) -> elf.interpreter().ifPresent(loader -> HostFileRules
        .requireLoader(loader, path.substring(options.appRoot().length() + 1))));
    ElfFile reference = NativeCode.reference(List.copyOf(releaseElf.values())).orElse(null);
    Rootfs rootfs = new Rootfs(machine);
    List<Needing> needing = new ArrayList<>();
    releaseElf.forEach((path, elf) -> needing.add(new Needing(path, elf)));
    addShellAndUtilities(rootfs, needing);
    addErlangRuntime(release, rootfs, needing);
    addInterpreters(release, options.appRoot(), rootfs, needing);
    addLibraries(rootfs, needing, releaseElf, reference);
    addSystemFiles(rootfs, options.user());
    HostPackages.Metadata metadata = new HostPackages(machine, warn)
        .rememberingIn(privateState.map(dir -> dir.resolve("host-packages")))
        .of(rootfs.entries());
    for (HostPackages.File file : metadata.files()) {
      rootfs.generated(file.path(), file.content(), 0644);
    }
    String architecture = reference == null ? ElfFile.thisMachine()
        : reference.ociArchitecture().orElse(ElfFile.thisMachine());
    return cachedArchive(rootfs.entries(), architecture, metadata.inventory());
  }

  private void addShellAndUtilities(Rootfs rootfs, List<Needing> needing) throws IOException {
    Optional<String> busybox = busyboxLocations.stream().filter(this::isFile).findFirst();
    if (busybox.isPresent()) {
      String real = realPath(busybox.get());
      rootfs.copyFromMachine(busybox.get());
      addElf(real, needing);
      rootfs.copyFromMachine("/bin"); // a directory, or on merged-/usr systems a symlink to one
      for (String applet : concat(BootCheck.REQUIRED_UTILITIES, OPTIONAL_UTILITIES)) {
        rootfs.symlinkIfAbsent("/bin/" + applet, real);
      }
      return;
    }
    for (String utility : concat(BootCheck.REQUIRED_UTILITIES, OPTIONAL_UTILITIES)) {
      Optional<String> found = onPath(utility);
      if (found.isPresent()) {
        rootfs.copyFromMachine(found.get());
        addElf(realPath(found.get()), needing);
      }
    }
  }

  /**
   * For a release built without its ERTS ({@code include_erts: false}): this machine's Erlang, the
   * {@code erl} its scripts take from PATH, with the exact ERTS and OTP application versions the
   * release's boot script names (anything else fails with {@code cannot load error_handler}).
   */
  private void addErlangRuntime(Release release, Rootfs rootfs, List<Needing> needing)
      throws IOException {
    if (release.ertsIncluded()) {
      return;
    }
    Optional<String> erl = onPath("erl");
    if (erl.isEmpty()) {
      return;
    }
    String root = Rootfs.parent(Rootfs.parent(realPath(erl.get())));
    String erts = root + "/erts-" + release.ertsVersion();
    if (!Files.isDirectory(onMachine(erts))) {
      return;
    }
    List<String> trees = new ArrayList<>(List.of(root + "/bin", erts, root + "/releases"));
    for (var app : release.apps()) {
      boolean inRelease = release.files().stream()
          .anyMatch(f -> f.path().equals("lib/" + app.directory()));
      if (!inRelease) {
        String dir = root + "/lib/" + app.directory();
        if (Files.isDirectory(onMachine(dir)) && realPath(dir).startsWith(root + "/lib/")) {
          trees.add(dir);
        }
      }
    }
    rootfs.copyFromMachine(erl.get());
    for (String tree : trees) {
      rootfs.copyTreeFromMachine(tree);
      try (var walk = Files.walk(onMachine(tree).toRealPath())) {
        for (Path file : walk.filter(Files::isRegularFile).toList()) {
          addElf("/" + machine.toRealPath().relativize(file), needing);
        }
      }
    }
  }

  /** The programs named on the #! lines of the release's scripts. */
  private void addInterpreters(Release release, String appRoot, Rootfs rootfs,
      List<Needing> needing) throws IOException {
    Map<String, String> neededBy = new LinkedHashMap<>();
    for (ReleaseFile file : release.files()) {
      if (file.directory() || !file.executable()) {
        continue;
      }
      Optional<List<String>> shebang = Shebang.words(file.source());
      if (shebang.isEmpty() || shebang.get().isEmpty()) {
        continue;
      }
      List<String> words = shebang.get();
      if (words.get(0).startsWith(appRoot + "/")) {
        continue; // the release's own program: nothing to take from the machine
      }
      HostFileRules.interpreter(words, file.path())
          .ifPresent(program -> neededBy.putIfAbsent(program, file.path()));
    }
    if (release.kind() == ReleaseKind.DISTILLERY) {
      neededBy.putIfAbsent("bash", "bin/" + release.name());
    }
    for (Map.Entry<String, String> entry : neededBy.entrySet()) {
      String program = entry.getKey();
      if (rootfs.contains(program.startsWith("/") ? program : "/bin/" + program)
          || BootCheck.carries(release, appRoot, program)) {
        continue;
      }
      Optional<String> found = program.startsWith("/")
          ? Optional.of(program).filter(this::isProgram) : onPath(program);
      if (found.isPresent()) {
        HostFileRules.requireResolvedProgram(found.get(), realPath(found.get()), entry.getValue());
        rootfs.copyFromMachine(found.get());
        addElf(realPath(found.get()), needing);
      } else if (!entry.getValue().startsWith("bin/")) {
        warn.accept(entry.getValue() + " needs " + program + ", which this machine does not have;"
            + " that script will not run in the image");
      }
    }
  }

  private void addLibraries(Rootfs rootfs, List<Needing> needing, Map<String, ElfFile> releaseElf,
      ElfFile reference) throws IOException {
    // the loader of the release's executables (else of the shell) decides the search path
    ElfFile executable = reference != null && reference.interpreter().isPresent() ? reference
        : needing.stream().map(Needing::elf).filter(e -> e.interpreter().isPresent()).findFirst()
            .orElse(reference);
    if (executable == null) {
      return; // nothing dynamic at all
    }
    LoaderSearchPath searchPath = LoaderSearchPath.of(new MachineFileSystem(machine), executable);
    LibraryResolver resolver = new LibraryResolver(new MachineFileSystem(machine), searchPath,
        path -> Optional.ofNullable(releaseElf.get(path)));
    LibraryResolver.Resolution resolution = resolver.resolve(needing);
    for (String interpreter : resolution.interpreters()) {
      rootfs.copyFromMachine(interpreter);
    }
    List<String> systemDirs = searchPath.system();
    for (Found library : resolution.libraries()) {
      rootfs.copyFromMachine(library.path());
      if (!library.onSystemPath() && !systemDirs.isEmpty()) {
        // found through ld.so.cache, which the image has not: link it where the loader looks
        rootfs.symlinkIfAbsent(systemDirs.get(0) + "/" + library.name(), library.path());
      }
    }
  }

  private void addSystemFiles(Rootfs rootfs, String user) throws IOException {
    rootfs.directory("/tmp", 01777);
    rootfs.generated("/etc/passwd", passwd(user).getBytes(StandardCharsets.UTF_8), 0644);
    rootfs.generated("/etc/group", group(user).getBytes(StandardCharsets.UTF_8), 0644);
    rootfs.generated("/etc/nsswitch.conf",
        "passwd: files\ngroup: files\nhosts: files dns\n".getBytes(StandardCharsets.UTF_8), 0644);
    for (String bundle : CA_BUNDLES) {
      if (isFile(bundle)) {
        rootfs.copyFromMachine(bundle);
        break;
      }
    }
  }

  static String passwd(String user) {
    StringBuilder text = new StringBuilder("root:x:0:0:root:/root:/bin/sh\n");
    String[] ids = user.split(":");
    if (isNumeric(ids[0]) && !ids[0].equals("0") && !ids[0].equals("65534")) {
      String gid = ids.length > 1 && isNumeric(ids[1]) ? ids[1] : ids[0];
      text.append("app:x:").append(ids[0]).append(':').append(gid)
          .append(":app:/nonexistent:/bin/sh\n");
    }
    return text.append("nobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n").toString();
  }

  static String group(String user) {
    StringBuilder text = new StringBuilder("root:x:0:\n");
    String[] ids = user.split(":");
    String gid = ids.length > 1 ? ids[1] : ids[0];
    if (isNumeric(gid) && !gid.equals("0") && !gid.equals("65534")) {
      text.append("app:x:").append(gid).append(":\n");
    }
    return text.append("nogroup:x:65534:\n").toString();
  }

  /**
   * The base: a small archive with the directories, symlinks and generated files (jib re-reads its
   * archive base on every build), plus the machine's regular files as a layer of their own, which
   * jib caches by path and mtime. Both are reused when the machine's files have not changed.
   */
  private BaseImage cachedArchive(List<RootfsEntry> entries, String architecture,
      OsInventory inventory) throws IOException {
    Path dir = cacheRoot.resolve("bases");
    Files.createDirectories(dir);
    String key = identity(entries, architecture);
    Path archive = dir.resolve("host-" + key + ".tar");
    Path digestFile = dir.resolve("host-" + key + ".digest");
    List<RootfsEntry> skeleton =
        entries.stream().filter(e -> !(e instanceof RootfsEntry.RegularFile)).toList();
    Optional<String> digest = readDigest(digestFile);
    AtomicFiles.Content writer = tmp -> DockerArchiveWriter.write(tmp,
        layer -> write(skeleton, layer), architecture,
        List.of("PATH=" + PATH), "directories, links and accounts of the build machine's files");
    if (!Files.isRegularFile(archive) || digest.isEmpty()) {
      // digest first, archive last: an archive is only ever found beside its digest
      digest = Optional.of(contentDigest(entries, architecture));
      AtomicFiles.write(digestFile, digest.get());
      AtomicFiles.write(archive, writer);
    } else {
      CachedArchives.verify(archive, writer, warn);
    }
    List<BaseImage.BaseFile> files = entries.stream()
        .filter(e -> e instanceof RootfsEntry.RegularFile)
        .map(e -> (RootfsEntry.RegularFile) e)
        .map(f -> new BaseImage.BaseFile(f.source(), f.path(), (f.mode() & 0111) != 0))
        .toList();
    return new BaseImage("host", digest, new BaseImage.ArchiveSource(archive), files,
        Optional.of(architecture), new BaseImage.MachineContents(machine, PATH_DIRS, inventory));
  }

  /** The entries of the base's archive layer, in order. */
  private static void write(List<RootfsEntry> entries, DockerArchiveWriter.LayerEntries layer)
      throws IOException {
    for (RootfsEntry entry : entries) {
      if (entry instanceof RootfsEntry.Directory dir) {
        layer.directory(dir.path(), dir.mode());
      } else if (entry instanceof RootfsEntry.Symlink link) {
        layer.symlink(link.path(), link.target());
      } else if (entry instanceof RootfsEntry.RegularFile regular) {
        layer.file(regular.path(), regular.mode(), regular.source());
      } else if (entry instanceof RootfsEntry.Generated generated) {
        layer.file(generated.path(), generated.mode(), generated.content());
      }
    }
  }

  /** A digest written by an earlier build, if it is whole. */
  private static Optional<String> readDigest(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    String text = Files.readString(file).trim();
    return text.matches("sha256:[0-9a-f]{64}") ? Optional.of(text) : Optional.empty();
  }

  /** Which files the base is made of, cheaply: paths with sizes, mtimes and inodes. */
  private static String identity(List<RootfsEntry> entries, String architecture) throws IOException {
    return Sha256.of(describe(entries, architecture, false));
  }

  /**
   * What the base holds, by content, so the same files give the same {@code base.digest} label on
   * any machine. Hashing every file is slow, so it is done once per {@link #identity}.
   */
  private static String contentDigest(List<RootfsEntry> entries, String architecture)
      throws IOException {
    return "sha256:" + Sha256.of(describe(entries, architecture, true));
  }

  private static String describe(List<RootfsEntry> entries, String architecture, boolean content)
      throws IOException {
    // 3: os-release and the package database; generated files (the database among them) count
    // by content, so a package upgrade that changes a copied file's record changes the key
    StringBuilder text = new StringBuilder("relpack-host-base 3 ").append(architecture).append('\n');
    for (RootfsEntry entry : entries) {
      text.append(entry.path()).append(' ');
      if (entry instanceof RootfsEntry.RegularFile file) {
        text.append("f ").append(file.mode()).append(' ');
        if (content) {
          text.append(Sha256.of(file.source()));
        } else {
          PosixFileAttributes attrs = Files.readAttributes(file.source(), PosixFileAttributes.class);
          text.append(attrs.size()).append(' ').append(attrs.lastModifiedTime().toMillis())
              .append(' ').append(attrs.fileKey());
        }
      } else if (entry instanceof RootfsEntry.Generated generated) {
        text.append("g ").append(generated.mode()).append(' ')
            .append(Sha256.of(new String(generated.content(), StandardCharsets.ISO_8859_1)));
      } else if (entry instanceof RootfsEntry.Symlink link) {
        text.append("l ").append(link.target());
      } else if (entry instanceof RootfsEntry.Directory dir) {
        text.append("d ").append(dir.mode());
      }
      text.append('\n');
    }
    return text.toString();
  }

  private void addElf(String path, List<Needing> needing) throws IOException {
    Path file = onMachine(path);
    if (ElfReader.isElf(file)) {
      try {
        needing.add(new Needing(path, ElfReader.read(file)));
      } catch (ElfFormatException e) {
        warn.accept(path + " on this machine cannot be read as ELF (" + e.getMessage() + ")");
      }
    }
  }

  private Optional<String> onPath(String program) {
    return PATH_DIRS.stream().map(dir -> dir + "/" + program).filter(this::isProgram).findFirst();
  }

  private boolean isFile(String absolute) {
    return Files.isRegularFile(onMachine(absolute));
  }

  private boolean isProgram(String absolute) {
    Path file = onMachine(absolute);
    return Files.isRegularFile(file) && Files.isExecutable(file);
  }

  private String realPath(String absolute) throws IOException {
    return "/" + machine.toRealPath().relativize(onMachine(absolute).toRealPath());
  }

  private Path onMachine(String absolute) {
    return machine.resolve(absolute.substring(1));
  }

  private static boolean isNumeric(String text) {
    return !text.isEmpty() && text.chars().allMatch(Character::isDigit);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
