package dev.relpack.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The bases the boot check is tested against, assembled from this machine's files (Debian 12,
 * glibc, x86_64) without relpack: only the libraries {@code ldd} names for the demo release's
 * ERTS binaries and NIFs, busybox-static for the release script's commands, passwd, group and
 * /tmp. Each is written once per instance (one per test class) into its own OCI layout.
 */
public final class TestBases {
  /** What each base is, and what the boot check should say about the demo release on it. */
  public enum Name {
    /** Everything the demo release needs: it fits. */
    COMPLETE("complete"),
    /** No libcrypto.so.3 (the crypto NIF's). */
    NO_CRYPTO_LIBRARY("no-libcrypto"),
    /** No libsystemd.so.0 (Debian's epmd links it; nothing else of the demo does). */
    NO_EPMD_LIBRARY("no-libsystemd"),
    /** No libtinfo.so.6 (beam.smp's). */
    NO_ERTS_LIBRARY("no-libtinfo"),
    /** libcrypto.so.3 in layer 1, deleted by a whiteout in layer 2. */
    CRYPTO_WHITED_OUT("whiteout"),
    /** libcrypto's directory made opaque in layer 2, which puts back all but libcrypto.so.3. */
    CRYPTO_HIDDEN_BY_OPAQUE("opaque"),
    /** Everything under /usr, with /lib, /lib64 and /bin links to it; applets as hard links. */
    MERGED_USR("merged-usr"),
    /** Debian's musl package and busybox-static, no glibc at all. */
    MUSL("musl"),
    /** Like {@link #COMPLETE} without /bin/sh. */
    NO_SHELL("no-shell"),
    /** {@link #COMPLETE} plus this machine's Erlang under /usr/lib/erlang, erl on PATH. */
    ERLANG("erlang"),
    /** {@link #ERLANG} with stdlib's directory renamed to another version. */
    ERLANG_OTHER_STDLIB("erlang-other-stdlib");

    private final String shortName;

    Name(String shortName) {
      this.shortName = shortName;
    }

    public String shortName() {
      return shortName;
    }
  }

  public static final String PATH = "PATH=/usr/local/bin:/usr/bin:/bin";
  /** Where Debian keeps x86_64 libraries (and where ldd finds them here). */
  public static final String LIBRARY_DIR = "/lib/x86_64-linux-gnu";
  public static final String CRYPTO_LIBRARY = "libcrypto.so.3";
  public static final String ERTS_LIBRARY = "libtinfo.so.6";
  static final Path MACHINE_ERLANG = Path.of("/usr/lib/erlang");
  private static final List<String> APPLETS = List.of("sh", "readlink", "cut", "sed", "grep",
      "awk", "dirname", "basename", "cat", "od", "dd", "date", "mkdir", "env", "tr", "head",
      "tail", "uname");
  private static final Pattern LDD_PATH = Pattern.compile("(?:=> |^\\s*)(/\\S+)", Pattern.MULTILINE);

  private final Path work;
  private final Path release;
  private final Map<Name, TestBase> built = new EnumMap<>(Name.class);

  /**
   * @param work where the layouts go
   * @param release an unpacked release whose native code decides which libraries a base holds
   */
  public TestBases(Path work, Path release) {
    this.work = work;
    this.release = release;
  }

  /** The demo release (testdata), unpacked under {@code dir}. */
  public static Path unpackDemo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Command.run(List.of("tar", "-xzf", Testdata.demoTarball().toString(), "-C", dir.toString()),
        Map.of(), Duration.ofMinutes(1)).requireSuccess();
    return dir;
  }

  public synchronized TestBase get(Name name) throws IOException {
    TestBase base = built.get(name);
    if (base == null) {
      Path layout = work.resolve(name.shortName());
      TestImageLayout.write(layout, "base", layers(name), List.of(PATH));
      base = new TestBase(name.shortName(), layout, "base");
      built.put(name, base);
    }
    return base;
  }

  private List<TestLayer> layers(Name name) throws IOException {
    return switch (name) {
      case COMPLETE -> List.of(glibc(UnaryOperator.identity(), Set.of(), true));
      case NO_CRYPTO_LIBRARY -> List.of(glibc(UnaryOperator.identity(), Set.of(CRYPTO_LIBRARY), true));
      case NO_ERTS_LIBRARY -> List.of(glibc(UnaryOperator.identity(), Set.of(ERTS_LIBRARY), true));
      case NO_EPMD_LIBRARY -> List.of(glibc(UnaryOperator.identity(), Set.of("libsystemd.so.0"), true));
      case NO_SHELL -> List.of(glibc(UnaryOperator.identity(), Set.of(), false));
      case CRYPTO_WHITED_OUT -> List.of(glibc(UnaryOperator.identity(), Set.of(), true),
          new TestLayer().whiteout(LIBRARY_DIR + "/" + CRYPTO_LIBRARY));
      case CRYPTO_HIDDEN_BY_OPAQUE -> {
        TestLayer lower = glibc(UnaryOperator.identity(), Set.of(), true);
        TestLayer upper = new TestLayer().opaque(LIBRARY_DIR);
        for (TestLayer.Entry entry : lower.entries()) {
          if (entry.path().startsWith(LIBRARY_DIR + "/")
              && !entry.path().equals(LIBRARY_DIR + "/" + CRYPTO_LIBRARY)) {
            upper.add(entry);
          }
        }
        yield List.of(lower, upper);
      }
      case MERGED_USR -> List.of(mergedUsr());
      case MUSL -> List.of(musl());
      case ERLANG -> List.of(glibc(UnaryOperator.identity(), Set.of(), true), erlang(null));
      case ERLANG_OTHER_STDLIB -> List.of(glibc(UnaryOperator.identity(), Set.of(), true),
          erlang("stdlib"));
    };
  }

  /**
   * A glibc base in the classic layout (real /lib, /lib64, /bin).
   *
   * @param where maps a path of this machine to the path it gets in the image
   * @param leftOut file names of libraries not to copy
   * @param shell whether busybox answers to sh
   */
  private TestLayer glibc(UnaryOperator<String> where, Set<String> leftOut, boolean shell)
      throws IOException {
    TestLayer layer = new TestLayer();
    Set<String> added = new LinkedHashSet<>();
    for (String library : librariesOf(release)) {
      if (!leftOut.contains(Path.of(library).getFileName().toString())) {
        place(layer, library, where, added);
      }
    }
    for (String conf : List.of("/etc/ld.so.conf.d/libc.conf", "/etc/ld.so.conf.d/x86_64-linux-gnu.conf")) {
      if (Files.isRegularFile(Path.of(conf))) {
        layer.copy(conf, Path.of(conf).toRealPath());
      }
    }
    layer.text("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n", 0644);
    layer.copy("/etc/os-release", Path.of("/etc/os-release").toRealPath());
    busybox(layer, "/bin", shell, false);
    return system(layer);
  }

  /** Base a's files under /usr, reached through /lib, /lib64 and /bin links as on Debian 12. */
  private TestLayer mergedUsr() throws IOException {
    TestLayer layer = new TestLayer()
        .symlink("/bin", "usr/bin").symlink("/lib", "usr/lib").symlink("/lib64", "usr/lib64");
    Set<String> added = new LinkedHashSet<>();
    UnaryOperator<String> underUsr = path -> path.matches("/(lib|lib64|bin|sbin)/.*") ? "/usr" + path : path;
    for (String library : librariesOf(release)) {
      place(layer, library, underUsr, added);
    }
    layer.copy("/etc/os-release", Path.of("/etc/os-release").toRealPath());
    busybox(layer, "/usr/bin", true, true);
    return system(layer);
  }

  /** Debian's musl package and busybox-static: no glibc loader, no glibc library. */
  private TestLayer musl() throws IOException {
    TestLayer layer = new TestLayer();
    String files = Command.run(List.of("dpkg", "-L", "musl"), Map.of(), Duration.ofSeconds(30))
        .requireSuccess().stdout();
    for (String file : files.split("\n")) {
      Path path = Path.of(file.strip());
      if (!file.startsWith("/") || file.startsWith("/usr/share/") || Files.isDirectory(path)) {
        continue; // directories come with their files; documentation is not needed
      }
      if (Files.isSymbolicLink(path)) {
        layer.symlink(file, Files.readSymbolicLink(path).toString());
      } else {
        layer.copy(file, path);
      }
    }
    busybox(layer, "/bin", true, false);
    return system(layer);
  }

  /**
   * This machine's Erlang as a second layer: /usr/lib/erlang as it is, /usr/bin/erl linking to
   * its erl as Debian's erlang-base does.
   *
   * @param renamed an application whose directory gets another version, or null
   */
  private TestLayer erlang(String renamed) throws IOException {
    TestLayer layer = new TestLayer();
    String from = renamed == null ? null : "/lib/" + applicationDirectory(renamed);
    String to = renamed == null ? null : "/lib/" + renamed + "-" + otherVersion(renamed);
    try (Stream<Path> walk = Files.walk(MACHINE_ERLANG)) {
      for (Path path : walk.sorted().toList()) {
        String relative = "/" + MACHINE_ERLANG.relativize(path);
        if (relative.equals("/")) {
          continue;
        }
        if (from != null && (relative.equals(from) || relative.startsWith(from + "/"))) {
          relative = to + relative.substring(from.length());
        }
        String image = MACHINE_ERLANG + relative;
        if (Files.isSymbolicLink(path)) {
          layer.symlink(image, Files.readSymbolicLink(path).toString());
        } else if (Files.isDirectory(path)) {
          layer.directory(image, 0755);
        } else {
          layer.copy(image, path);
        }
      }
    }
    return layer.symlink("/usr/bin/erl", "../lib/erlang/bin/erl");
  }

  /** The directory of {@code app} in this machine's Erlang ({@code stdlib-4.2}). */
  public static String applicationDirectory(String app) throws IOException {
    try (Stream<Path> dirs = Files.list(MACHINE_ERLANG.resolve("lib"))) {
      return dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(app + "-"))
          .findFirst().orElseThrow(() -> new IllegalStateException("no " + app + " in " + MACHINE_ERLANG));
    }
  }

  /** The version of {@code app} in this machine's Erlang ({@code 4.2}). */
  public static String machineVersion(String app) throws IOException {
    return applicationDirectory(app).substring(app.length() + 1);
  }

  /** A version of {@code app} other than this machine's: its last number one lower (4.2 -> 4.1). */
  public static String otherVersion(String app) throws IOException {
    String version = machineVersion(app);
    Matcher last = Pattern.compile("(\\d+)$").matcher(version);
    if (last.find() && Integer.parseInt(last.group(1)) > 0) {
      return version.substring(0, last.start()) + (Integer.parseInt(last.group(1)) - 1);
    }
    return version + ".0.1";
  }

  /** busybox-static as {@code dir/busybox}, with the applets the release script calls. */
  private static void busybox(TestLayer layer, String dir, boolean shell, boolean hardLinks) {
    layer.copy(dir + "/busybox", Path.of("/bin/busybox"));
    for (String applet : APPLETS) {
      if (applet.equals("sh") && !shell) {
        continue;
      }
      if (hardLinks) {
        layer.hardLink(dir + "/" + applet, dir + "/busybox");
      } else {
        layer.symlink(dir + "/" + applet, "busybox");
      }
    }
    if (!dir.equals("/usr/bin")) {
      layer.symlink("/usr/bin/env", "/bin/busybox");
    }
  }

  /** Users, groups and a /tmp anyone may write, as every base has. */
  private static TestLayer system(TestLayer layer) {
    return layer
        .text("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", 0644)
        .text("/etc/group", "root:x:0:\nnogroup:x:65534:\n", 0644)
        .directory("/tmp", 01777);
  }

  /**
   * Puts a file of this machine into the layer at the path {@code where} maps it to; a symlink
   * stays a symlink with the same target text, and what it points to is placed too.
   */
  private static void place(TestLayer layer, String machinePath, UnaryOperator<String> where,
      Set<String> added) throws IOException {
    String image = where.apply(machinePath);
    if (!added.add(image)) {
      return;
    }
    Path path = Path.of(machinePath);
    if (Files.isSymbolicLink(path)) {
      String target = Files.readSymbolicLink(path).toString();
      layer.symlink(image, target);
      String resolved = target.startsWith("/") ? target
          : path.getParent().resolve(target).normalize().toString();
      place(layer, resolved, where, added);
    } else {
      layer.copy(image, path.toRealPath());
    }
  }

  /**
   * The absolute paths {@code ldd} prints for the ERTS binaries and NIFs of a release (or of an
   * Erlang installation, which has the same shape): the loader and each library.
   */
  public static Set<String> librariesOf(Path root) throws IOException {
    List<Path> elfs = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        String rel = root.relativize(p).toString();
        boolean erts = rel.matches("erts-[^/]+/bin/[^/]+");
        boolean nif = rel.matches("lib/[^/]+/priv/.*\\.so");
        if ((erts || nif) && isElf(p)) {
          elfs.add(p);
        }
      }
    }
    Set<String> libraries = new TreeSet<>();
    for (Path elf : elfs) {
      String ldd = Command.run(List.of("ldd", elf.toString()), Map.of(), Duration.ofSeconds(30))
          .requireSuccess().stdout();
      Matcher m = LDD_PATH.matcher(ldd);
      while (m.find()) {
        libraries.add(m.group(1));
      }
    }
    return libraries;
  }

  private static boolean isElf(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
    }
  }
}
