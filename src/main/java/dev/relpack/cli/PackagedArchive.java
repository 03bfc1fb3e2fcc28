package dev.relpack.cli;

import dev.relpack.io.FileTrees;
import dev.relpack.io.PrivatePaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The JVM class-data archive made when the jar is packaged ({@code mvn package} runs
 * {@link #main}), so that the first build, and every build of a CI job that keeps no state, starts
 * with relpack's classes already parsed and verified. It lies beside the jar ({@code relpack.jsa}),
 * with a file recording what it was made for ({@code relpack.jsa.id}: the archive file as the
 * file system saw it once in place, the JDK, the jar's real path, size and mtime), and the
 * launcher uses it only while all of that still holds,
 * the JVM has no options of the user's, and the jar's directory, the archive and its record are
 * owned by this user or root and writable by no one else: an archive is code. Otherwise the
 * launcher falls back to the archive it makes per user ({@link JvmArchives}).
 */
final class PackagedArchive {
  private static final String ID = ".id";

  private PackagedArchive() {}

  /** The archive beside {@code jar}, if it was made for this JDK, this jar and these options. */
  static Optional<Path> beside(Path jar, List<String> jvmOptions) {
    Path archive = archiveFor(jar);
    Path record = jar.resolveSibling(archive.getFileName() + ID);
    Optional<Integer> uid = PrivatePaths.processUid();
    if (!jvmOptions.isEmpty() || uid.isEmpty() || !Files.isRegularFile(record)) {
      return Optional.empty();
    }
    Set<Integer> owners = Set.copyOf(List.of(uid.get(), 0)); // root owns what a root build made
    if (!PrivatePaths.ownedAndUnshared(jar.getParent(), owners)
        || !PrivatePaths.ownedAndUnshared(archive, owners)
        || !PrivatePaths.ownedAndUnshared(record, owners)) {
      return Optional.empty();
    }
    try {
      String expected = record(fileStamp(archive), Relaunch.identity(jar, List.of()));
      return JvmArchives.readSmall(record).equals(expected) ? Optional.of(archive) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code relpack.jsa} for {@code relpack.jar}. */
  static Path archiveFor(Path jar) {
    String name = jar.getFileName().toString();
    name = name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name; // no regex: 1 ms
    return jar.resolveSibling(name + ".jsa");
  }

  private static String record(String fileStamp, String identity) {
    return "file " + fileStamp + "\n" + identity + "\n";
  }

  /**
   * The archive file as the file system sees it: size, device, inode, mtime and ctime. Any write
   * to it, a copy or a move over it changes the ctime, which no one but the kernel sets; a CRC32C
   * of its 40 MB told the same at ~10 ms of every launch, before the build's JVM could start.
   * The file is read-only and never touched: a record made once it is in place holds while it is
   * the same file (the user's own archives, touched on each use, keep a CRC32C).
   */
  static String fileStamp(Path archive) throws IOException {
    Map<String, Object> unix =
        Files.readAttributes(archive, "unix:size,dev,ino,lastModifiedTime,ctime");
    return unix.get("size") + " " + unix.get("dev") + " " + unix.get("ino") + " "
        + nanos(unix.get("lastModifiedTime")) + " " + nanos(unix.get("ctime"));
  }

  private static long nanos(Object time) {
    return ((FileTime) time).to(TimeUnit.NANOSECONDS);
  }

  /** Writes {@code to}: what {@code archive}, in place, was made for, {@code jar} as it is now. */
  static void writeRecord(Path archive, Path jar, Path to) throws IOException {
    Files.writeString(to, record(fileStamp(archive), Relaunch.identity(jar, List.of())),
        StandardCharsets.UTF_8);
  }

  /**
   * {@code PackagedArchive JAR RELEASE}: trains on RELEASE ({@link ArchiveTraining}) in JVMs
   * with the launcher's flags, one of which records the classes it loads, has the JDK dump them,
   * checks the archive maps, and puts it beside JAR. Never fails the packaging: without an
   * archive builds only start slower, so a failure is one warning line.
   */
  public static void main(String[] args) {
    long start = System.nanoTime();
    try {
      Path jar = Path.of(args[0]).toRealPath();
      Path archive = make(jar, Path.of(args[1]));
      System.out.printf("relpack: made the JVM class-data archive %s (%d MB) in %.1f s%n",
          archive, Files.size(archive) >> 20, (System.nanoTime() - start) / 1e9);
      if (beside(jar, List.of()).isEmpty()) {
        System.out.println("relpack: warning: the launcher will not use " + archive + ": "
            + jar.getParent() + " or the archive can be written by others (a umask of 002?);"
            + " make them writable by their owner only");
      }
    } catch (Throwable e) { // never fail the package: without an archive builds start slower
      System.out.println("relpack: warning: made no JVM class-data archive (" + e
          + "); builds start about a second slower");
    }
    System.exit(0);
  }

  private static Path make(Path jar, Path release) throws IOException, InterruptedException {
    Path archive = archiveFor(jar);
    Path record = jar.resolveSibling(archive.getFileName() + ID);
    Files.deleteIfExists(record);
    Files.deleteIfExists(archive);
    Path work = jar.resolveSibling("archive-training");
    FileTrees.deleteRecursively(work);
    Files.createDirectories(work);
    try {
      Path classList = work.resolve("classes.lst");
      // the training records the classes of the builds it makes in a JVM of its own
      List<String> train = ArchiveMaker.tunedJava(List.of());
      train.addAll(List.of("-D" + Relaunch.CHILD + "=1", "-cp", jar.toString(),
          ArchiveTraining.class.getName(), work.toString(), release.toAbsolutePath().toString(),
          jar.toString(), classList.toString()));
      run(train, work, "the training build");
      Path dumped = work.resolve("relpack.jsa");
      run(ArchiveMaker.dump(List.of(), classList, dumped, jar.toString()), work,
          "the JDK's dump");
      run(ArchiveMaker.mapCheck(List.of(), dumped, jar.toString()), work, "mapping the archive");
      Files.setPosixFilePermissions(dumped, PosixFilePermissions.fromString("r--r--r--"));
      Files.move(dumped, archive, StandardCopyOption.ATOMIC_MOVE);
      // recorded once in place: a move changes the file's ctime
      Path recorded = work.resolve("relpack.jsa.id");
      writeRecord(archive, jar, recorded);
      Files.setPosixFilePermissions(recorded, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(recorded, record, StandardCopyOption.ATOMIC_MOVE);
      return archive;
    } finally {
      try {
        FileTrees.deleteRecursively(work);
      } catch (IOException e) {
        // a leftover under target/, which mvn clean removes
      }
    }
  }

  /**
   * Runs {@code command} in {@code work}, its output to {@code work/output.txt}, for at most 5
   * minutes; {@code what} names it in the exception when it fails or hangs.
   */
  static void run(List<String> command, Path work, String what)
      throws IOException, InterruptedException {
    Path output = work.resolve("output.txt");
    Process process = new ProcessBuilder(command).directory(work.toFile())
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) { // ~15 s on 2 cores: a hang must not hang mvn
      // the training's recorded JVM too, or it would build on in a work directory removed next
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IOException(what + " took more than 5 minutes; stopped it");
    }
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(output);
      throw new IOException(what + " failed: "
          + String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
    }
  }
}
