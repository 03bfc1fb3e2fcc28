package dev.relpack.cli;

import dev.relpack.engine.CacheDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code build} and {@code check} in a second JVM started with flags a
 * short-lived CLI needs: the C1 compiler only, on one thread (on two cores more compiler
 * threads compete with the build itself) and the serial collector, plus a class-data archive of
 * relpack's own classes: the one {@code mvn package} left beside the jar when it fits ({@link
 * PackagedArchive}), else one of this user's once one exists.
 * {@code java -jar} cannot pass JVM flags, so the launcher does. A user's archive is asked for by
 * the first build whose cache already held an earlier build (so a CI job without a kept cache never
 * makes one): that build records the names of the classes it loads, and once it has returned
 * {@link ArchiveMaker} makes the archive in the background, so no build waits for it. It is kept
 * in this user's private state directory, never in the shared cache ({@link JvmArchives}), and
 * replaced when the JDK, the jar or the JVM options change. Anything unexpected, or
 * {@code RELPACK_NO_RELAUNCH=1}, and the build runs in this JVM instead.
 */
final class Relaunch {
  /** Set on a JVM already started with {@link #FLAGS}; the dist's bin/relpack sets it too. */
  static final String CHILD = "relpack.relaunched";
  /** The flag of {@link #FLAGS} that {@link #flags} leaves out for a user's own compiler set-up. */
  static final String ONE_COMPILER = "-XX:CICompilerCount=1";
  /**
   * The size each thread's allocation buffer (TLAB) starts at; the JVM still grows the buffers of
   * the threads that allocate much. Left to itself it gives each thread about a megabyte here,
   * and a build starts dozens of short-lived ones (registry requests, hashing, parallel reads)
   * that use a sliver of theirs: in a one-module change of the demo JFR counted 35 MB of buffers
   * handed out, 17 MB of them to the registry phase's and request threads, so its 26 MB eden
   * filled with space never used and a young collection of 9-35 ms stopped the build. From
   * 128 KB that change used 21 MB of its eden and collected nothing; its peak RSS went from
   * 97 to 87 MB, a warm build's from 80 to 77 MB, a cold one's stayed 110 MB with its two
   * collections (README "Performance").
   */
  static final String THREAD_BUFFERS = "-XX:TLABSize=128k";
  /**
   * The classes of the jar are taken as they are, not run through the bytecode verifier (the
   * JDK's own never are). The jar is the code being run: what it holds runs with the user's
   * rights whether verified or not, and javac and the libraries' builds made it. Where a
   * class-data archive serves, its classes were verified when it was made and this changes
   * nothing; where none does (the -cli.jar and the distribution as a CI job downloads them), a
   * build loads some 2,900 classes from the jar, and a cold build and a job with no cache each took
   * 85 ms less (bin/relpack, 8 each, paired medians; README "Performance").
   */
  static final String UNVERIFIED = "-XX:-BytecodeVerificationRemote";
  /**
   * The tuned JVM's flags; the dist's bin/relpack passes the same (LauncherScriptTest). One C1
   * compiler thread, not the two the JVM starts on two cores: the second spent its CPU compiling
   * methods a build of seconds hardly runs again, while the build's own threads waited for a
   * core (warm and one-module builds of the demo about 40 ms faster, README "Performance").
   * The heap in transparent huge pages where the kernel offers them on request (THP "madvise",
   * Debian's default): a build touches its heap once, and a fault per 2 MB instead of per 4 KB
   * made a cold build of the demo ~0.1 s faster on a machine whose page faults cost ~10 us each;
   * where the kernel has none, the JVM goes on without them, its warning silenced.
   */
  static final List<String> FLAGS = List.of("-XX:TieredStopAtLevel=1", ONE_COMPILER,
      "-XX:+UseSerialGC", "-XX:+UseTransparentHugePages", THREAD_BUFFERS,
      "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Xlog:pagesize=off",
      "-XX:+UnlockDiagnosticVMOptions", UNVERIFIED);
  /**
   * The young generation's cap the launcher adds ({@link #heapFlags}): the JVM sizes it at a
   * third of the initial heap, 128 MB on a 24 GB machine, and with huge pages a build then holds
   * that much memory it touched once; at 32 MB a cold build of the demo peaked at 116 MB instead
   * of 190 MB (a one-module change at 105 MB instead of 121 MB with 64 MB), as fast: its few
   * young collections cost less than the fresh pages they spare.
   */
  static final String YOUNG_CAP = "-XX:MaxNewSize=32m";
  /** Below this default heap the JVM's own young generation is smaller than the cap anyway. */
  private static final long CAPPED_HEAP = 256L << 20;

  /**
   * The commands that read a release and a base, the work the tuned JVM is for (a warm check of
   * the demo: 1.57-1.60 s relaunched, 1.77-1.97 s in the first JVM). {@code inspect} reads no
   * base and gained nothing measurable; {@code --version} and {@code --help} cost less than a
   * second JVM.
   */
  private static final Set<String> RELAUNCHED = Set.of("build", "check");

  private Relaunch() {}

  /** The exit status of the build run in a tuned JVM, or empty to run it here. */
  static Optional<Integer> run(String[] args, Map<String, String> env, Path home) {
    if (args.length == 0 || !RELAUNCHED.contains(args[0]) || System.getProperty(CHILD) != null
        || "1".equals(env.get("RELPACK_NO_RELAUNCH"))) {
      return Optional.empty();
    }
    try {
      Optional<Launch> launch = Launch.current();
      if (launch.isEmpty()) {
        return Optional.empty();
      }
      // plain code, no lambdas: each would cost this JVM, which has no archive, a millisecond
      Optional<JvmArchives> archives = JvmArchives.forUser(env, home);
      String name = archiveName(launch.get());
      Optional<Path> archive = archives.isPresent() ? archives.get().trusted(name)
          : Optional.empty();
      if (archive.isPresent()) {
        markInUse(archive.get());
      } else {
        archive = PackagedArchive.beside(launch.get().jar(), launch.get().jvmOptions());
      }
      boolean build = args[0].equals("build");
      boolean cacheHasBuilt = build && CacheDirectory.hasBuilt(cacheDir(args, env, home));
      Path classList = null;
      // only a build's classes make a user's archive: one made from check's would miss jib's
      if (archive.isEmpty() && archives.isPresent() && cacheHasBuilt) {
        classList = archives.get().classList(name).orElse(null);
      }
      Optional<Path> errorDir = archives.isPresent() && Files.isDirectory(archives.get().dir())
          ? Optional.of(archives.get().dir()) : Optional.empty();
      boolean coldCache = build && !cacheHasBuilt;
      int status = runChild(launch.get(), archive, classList, errorDir, args, coldCache);
      if (archive.isPresent() && crashed(status)) {
        // a corrupt archive the JVM's checks missed must cost one build's time, never the build
        System.err.println("relpack: the JVM crashed using its class-data archive " + archive.get()
            + (removeQuietly(archive.get()) ? "; removed it" : "; could not remove it (remove it"
                + " yourself, or package relpack again)") + ", building again without it");
        status = runChild(launch.get(), Optional.empty(), null, errorDir, args, coldCache);
      }
      if (classList != null) {
        makeArchiveLater(launch.get(), archives.get(), name, classList, status);
      }
      return Optional.of(status);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * {@link #FLAGS} for a JVM whose command line has {@code userOptions} after them: without the
   * single compiler thread when they set the compilers or their threads themselves, since with
   * C2 on ({@code -XX:TieredStopAtLevel=4}) a JVM told to use one compiler thread will not start.
   */
  static List<String> flags(List<String> userOptions) {
    if (setsAny(userOptions, "-XX:TieredStopAtLevel=", "-XX:CICompilerCount=")) {
      List<String> flags = new ArrayList<>(FLAGS);
      flags.remove(ONE_COMPILER);
      return List.copyOf(flags);
    }
    return FLAGS;
  }

  /**
   * {@link #YOUNG_CAP} for a build JVM whose largest heap will be {@code maxHeap} (this JVM's:
   * the same machine, limits and options), unless that heap is small, where the cap would only
   * take room from the old generation, or the user's options size the young generation
   * themselves, which the JVM would then warn about.
   */
  static List<String> heapFlags(long maxHeap, List<String> userOptions) {
    if (setsAny(userOptions, "-Xmn", "-XX:NewSize=", "-XX:MaxNewSize=", "-XX:NewRatio=")) {
      return List.of();
    }
    return maxHeap >= CAPPED_HEAP ? List.of(YOUNG_CAP) : List.of();
  }

  /** Whether one of {@code options} starts with one of {@code prefixes}. */
  private static boolean setsAny(List<String> options, String... prefixes) {
    for (String option : options) { // loops, not streams: see run
      for (String prefix : prefixes) {
        if (option.startsWith(prefix)) {
          return true;
        }
      }
    }
    return false;
  }

  /** @param coldCache a build with a cache that never built: it will hash its inputs */
  private static int runChild(Launch launch, Optional<Path> archive, Path classList,
      Optional<Path> errorDir, String[] args, boolean coldCache) throws IOException {
    List<String> command = new ArrayList<>(List.of(launch.java()));
    command.addAll(flags(launch.jvmOptions()));
    command.addAll(heapFlags(Runtime.getRuntime().maxMemory(), launch.jvmOptions()));
    // a crash report belongs with the archive, not in the user's working directory
    if (errorDir.isPresent()) {
      command.add("-XX:ErrorFile=" + errorDir.get().resolve("hs_err_pid%p.log"));
    }
    if (archive.isPresent()) {
      // Not -XX:+VerifySharedSpaces: it checksums the JDK's own archive too, costing about as much
      // CPU as the archive saves; JvmArchives checks a user archive's CRC32C instead, and
      // PackagedArchive that the packaged one is still the file it recorded.
      command.add("-XX:SharedArchiveFile=" + archive.get());
    } else if (classList != null) {
      command.add("-XX:DumpLoadedClassList=" + classList); // names only: costs the build ~nothing
    }
    command.addAll(launch.jvmOptions());
    if (coldCache) {
      command.add("-D" + NativeSha256.LOAD_AT_START + "=true");
    }
    command.addAll(List.of("-D" + CHILD + "=1", "-cp", launch.jar().toString(),
        "dev.relpack.cli.Main"));
    command.addAll(List.of(args));
    ProcessBuilder child = new ProcessBuilder(command).inheritIO();
    if (!"UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"))) {
      // file names in releases are UTF-8 bytes; a C/POSIX locale makes Java mangle them
      child.environment().put("LC_ALL", "C.UTF-8");
    }
    return waitFor(child.start());
  }

  /**
   * A user's archive is dropped after a month unused; each use says it is used. The packaged one
   * is not touched: it may be root's, or on a read-only file system.
   */
  private static void markInUse(Path archive) {
    try {
      Files.setLastModifiedTime(archive, FileTime.from(Instant.now()));
    } catch (IOException e) {
      // only its age is wrong: it may be dropped a month early and made again
    }
  }

  private static boolean removeQuietly(Path archive) {
    try {
      Files.deleteIfExists(archive);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Killed by SIGSEGV, SIGBUS or SIGABRT (the shell's 128 + signal). */
  private static boolean crashed(int status) {
    return status == 139 || status == 135 || status == 134;
  }

  /** How this JVM was started: its java, its own options, and the jar it runs. */
  private record Launch(String java, List<String> jvmOptions, Path jar) {
    static Optional<Launch> current() {
      Optional<String[]> arguments = procArguments();
      Optional<String> java;
      if (arguments.isPresent()) {
        java = Optional.of(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      } else { // not Linux: ask the JDK, which costs ~20 ms more
        ProcessHandle.Info info = ProcessHandle.current().info();
        java = info.command();
        arguments = info.arguments();
      }
      if (java.isEmpty() || arguments.isEmpty()) {
        return Optional.empty();
      }
      List<String> options = new ArrayList<>();
      String[] all = arguments.get();
      for (int i = 0; i < all.length; i++) {
        if (all[i].equals("-jar") && i + 1 < all.length) {
          // the real path: an archive records the jar's path, and the packaged one is made with it
          return Optional.of(new Launch(java.get(), options, realPath(Path.of(all[i + 1]))));
        }
        options.add(all[i]);
      }
      return Optional.empty(); // not started with -jar (tests, IDEs): stay in this JVM
    }

    /**
     * This JVM's arguments after the command, as {@code ProcessHandle} reads them on Linux
     * (from {@code /proc/self/cmdline}), without loading and starting its machinery.
     */
    private static Optional<String[]> procArguments() {
      byte[] line;
      // java.io, not java.nio.file: its classes are in the JDK's own archive, NIO's channels not
      try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/self/cmdline")) {
        line = in.readAllBytes();
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
      List<String> words = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < line.length; i++) {
        if (line[i] == 0) {
          words.add(new String(line, start, i - start, StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      return words.isEmpty() ? Optional.empty()
          : Optional.of(words.subList(1, words.size()).toArray(new String[0]));
    }

    private static Path realPath(Path jar) {
      try {
        return jar.toRealPath();
      } catch (IOException e) {
        return jar.toAbsolutePath();
      }
    }
  }

  /**
   * The archive fits one JDK build, one jar and one set of JVM options exactly; the name says
   * which. FNV-1a, not SHA-256: setting up the JDK's security providers would cost this
   * short-lived JVM ~50 ms, and a collision is harmless (the JVM checks an archive against the JDK
   * and jar).
   */
  private static String archiveName(Launch launch) throws IOException {
    long hash = 0xcbf29ce484222325L;
    for (byte b : identity(launch.jar(), launch.jvmOptions()).getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
    }
    return "relpack-" + Long.toHexString(hash) + ".jsa";
  }

  /**
   * What an archive is made for: this JDK, the jar (its real path, size and mtime) and the JVM
   * options. It is a static archive (JDK classes too), which a JVM that cannot map it ignores
   * together with the JDK's own, so it names the JDK's module image as well as its version.
   */
  static String identity(Path jar, List<String> jvmOptions) throws IOException {
    BasicFileAttributes jarAttributes = Files.readAttributes(jar, BasicFileAttributes.class);
    BasicFileAttributes modules = Files.readAttributes(
        Path.of(System.getProperty("java.home"), "lib", "modules"), BasicFileAttributes.class);
    return String.join("\n", System.getProperty("java.home"),
        System.getProperty("java.vm.version"), String.valueOf(modules.size()),
        String.valueOf(modules.lastModifiedTime().toMillis()), jar.toString(),
        String.valueOf(jarAttributes.size()),
        String.valueOf(jarAttributes.lastModifiedTime().toMillis()),
        String.join("\n", jvmOptions));
  }

  /**
   * After a whole, successful build, starts the archive's making in the background and returns:
   * the build's status stands either way, and nothing waits for the archive.
   */
  private static void makeArchiveLater(Launch launch, JvmArchives archives, String name,
      Path classList, int status) {
    try {
      if (status == 0 && Files.isRegularFile(classList)) {
        ArchiveMaker.startInBackground(launch.java(), launch.jvmOptions(), launch.jar(),
            archives.dir(), name, classList);
      } else {
        Files.deleteIfExists(classList);
      }
    } catch (IOException | RuntimeException e) {
      // a missing archive costs the next build some speed, nothing else
    }
  }

  private static int waitFor(Process child) {
    Thread stopChild = new StopChild(child);
    Runtime.getRuntime().addShutdownHook(stopChild);
    try {
      int status = child.waitFor();
      Runtime.getRuntime().removeShutdownHook(stopChild);
      return status;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** Passes a SIGTERM this JVM got on to the build (a class, not a lambda: see {@link #run}). */
  private static final class StopChild extends Thread {
    private final Process child;

    StopChild(Process child) {
      this.child = child;
    }

    @Override
    public void run() {
      child.destroy(); // SIGTERM, as this JVM got
      try {
        child.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Path cacheDir(String[] args, Map<String, String> env, Path home) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--cache-dir") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--cache-dir=")) {
        return Path.of(args[i].substring("--cache-dir=".length()));
      }
    }
    return CacheDirectory.defaultFor(env, home);
  }
}
