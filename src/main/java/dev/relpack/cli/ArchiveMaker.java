package dev.relpack.cli;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Makes the JVM class-data archive after the build that asked for it has returned, so no build
 * waits for it. The build only records the classes it loaded (-XX:DumpLoadedClassList, a list of
 * names); the launcher then starts this class in a JVM of its own, detached from the user's
 * terminal and output, at the lowest CPU priority, and exits with the build's status. Here the
 * JDK makes a static archive from that list (-Xshare:dump: it loads and links the named classes
 * from the jar and the JDK, and runs none of their code), which is checked to map with the
 * launcher's flags before it is kept the way {@link JvmArchives#keep} always kept one: checksum
 * first, then an atomic rename. A maker killed at any point (a CI job's container stopped when
 * its script ends) leaves at most a class list and a half-written {@code .tmp} file, which
 * nothing loads and a later maker removes.
 */
final class ArchiveMaker {
  /** One maker at a time per user: a second one waits, then finds the archive made. */
  private static final String LOCK = "maker.lock";

  private ArchiveMaker() {}

  /**
   * Starts a maker for {@code name} from {@code classList} and returns at once. Nothing it does
   * reaches the user: no input, output to /dev/null, its working directory the private one.
   */
  static void startInBackground(String java, List<String> jvmOptions, Path jar, Path dir,
      String name, Path classList) throws IOException {
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(Relaunch.FLAGS);
    command.addAll(List.of("-D" + Relaunch.CHILD + "=1", "-cp", jar.toString(),
        ArchiveMaker.class.getName(), name, classList.toString()));
    command.addAll(jvmOptions); // for the archive to fit the JVM that will use it
    List<String> niced = new ArrayList<>(List.of("nice", "-n", "19"));
    niced.addAll(command);
    try {
      start(niced, dir);
    } catch (IOException noNice) {
      start(command, dir); // no nice(1) on this machine: at normal priority, still after the build
    }
  }

  /** In the private directory, which is where a JVM that crashes writes its report. */
  private static void start(List<String> command, Path dir) throws IOException {
    new ProcessBuilder(command).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /**
   * {@code ArchiveMaker NAME CLASS-LIST [JVM-OPTION...]}, started by {@link #startInBackground};
   * the options are the user's, which the build JVM had too.
   */
  public static void main(String[] args) {
    if (args.length < 2) {
      System.exit(2);
    }
    try {
      Optional<JvmArchives> archives = JvmArchives.forUser(System.getenv(), Launcher.home());
      if (archives.isPresent() && archives.get().writable().isPresent()) {
        List<String> options = List.of(args).subList(2, args.length);
        make(archives.get(), args[0], Path.of(args[1]), options);
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      // a missing archive costs later builds some speed, nothing else
    }
    System.exit(0);
  }

  private static void make(JvmArchives archives, String name, Path classList,
      List<String> options) throws IOException, InterruptedException {
    Path dir = archives.dir();
    try (FileChannel channel = FileChannel.open(dir.resolve(LOCK),
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        FileLock lock = channel.lock()) {
      if (archives.trusted(name).isEmpty()) {
        Path dumped = dir.resolve(name + "." + ProcessHandle.current().pid() + ".tmp");
        if (run(dump(options, classList, dumped, jar())) == 0 && Files.isRegularFile(dumped)
            && run(mapCheck(options, dumped, jar())) == 0) {
          archives.keep(dumped, name);
        }
        Files.deleteIfExists(dumped);
      }
      Files.deleteIfExists(classList);
      archives.dropLeftovers();
    }
  }

  /** The JDK's static dump of the listed classes, with the flags the archive will be used with. */
  static List<String> dump(List<String> options, Path classList, Path archive, String jar) {
    List<String> command = tunedJava(options);
    command.addAll(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + classList,
        "-XX:SharedArchiveFile=" + archive, "-cp", jar));
    return command;
  }

  /**
   * -Xshare:on fails unless the archive maps with these flags and this jar. Under the launcher's
   * -Xshare:auto an archive that does not map costs more than having none: the JVM then runs
   * without the JDK's own archive too.
   */
  static List<String> mapCheck(List<String> options, Path archive, String jar) {
    List<String> command = tunedJava(options);
    command.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-cp", jar,
        "-version"));
    return command;
  }

  /** This JVM's java with the launcher's flags and the user's options. */
  static List<String> tunedJava(List<String> options) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.addAll(Relaunch.flags(options));
    command.addAll(options);
    return command;
  }

  /** The jar this maker runs from, which the archive is for. */
  private static String jar() {
    return System.getProperty("java.class.path");
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
