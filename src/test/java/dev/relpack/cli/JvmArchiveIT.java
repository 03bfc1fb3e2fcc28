package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM class-data archive the launcher uses is code: the JVM takes classes from it after
 * checking only the jar's path, size and mtime. These tests plant a real malicious archive (one
 * dumped from a jar of the same path, size and mtime whose Main writes a marker) where an attacker
 * who shares the CI cache could, and check relpack never runs it, and that a damaged archive of
 * its own costs nothing but speed.
 */
class JvmArchiveIT {
  @TempDir Path work;
  private Path jar;
  private Path marker;
  private Path home;

  @BeforeEach
  void placeJar() throws IOException {
    Path real = Path.of(System.getProperty("relpack.jar", "target/relpack.jar"));
    jar = work.resolve("bin/relpack.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(real, jar);
    Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_000L));
    marker = work.resolve("planted-code-ran");
    home = work.resolve("home");
  }

  @Test
  void anArchivePlantedInTheCacheOrANonPrivateStateDirectoryNeverRuns() throws Exception {
    Path evil = maliciousArchive();
    // two genuine builds: the second makes relpack's own archive, so every name it uses exists
    build(work.resolve("out1")).requireSuccess();
    build(work.resolve("out2")).requireSuccess();
    List<Path> own = awaitArchive();
    assertEquals(1, own.size(), "the second build keeps one archive in the state directory");
    assertEquals(List.of(), archivesUnder(home.resolve(".cache")), "nothing of the JVM's in the cache");

    // the attacker writes the cache (shared between jobs): every archive name relpack uses, and
    // the cache's old jvm/ folder
    String name = own.get(0).getFileName().toString();
    for (Path dir : List.of(home.resolve(".cache/relpack/v1/jvm"), home.resolve(".cache/relpack/v1"),
        home.resolve(".cache/relpack"))) {
      Files.createDirectories(dir);
      Files.copy(evil, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
    // and the state directory, where it is not private: a group-writable archive
    Files.copy(evil, own.get(0), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(own.get(0), PosixFilePermissions.fromString("rw-rw-r--"));

    Command.Result result = build(work.resolve("out3"));
    result.requireSuccess();
    assertFalse(Files.exists(marker), "the planted archive ran its code: " + result.stderr());
    assertTrue(result.stdout().contains("sha256:"), result.stdout());
  }

  /**
   * The archive {@code mvn package} leaves beside the jar is used when the jar's directory is
   * as private as the jar (whoever could write it could replace the jar), never when others can
   * write that directory.
   */
  @Test
  void anArchiveBesideTheJarRunsOnlyFromADirectoryNoOneElseCanWrite() throws Exception {
    Path evil = maliciousArchive();
    Path beside = PackagedArchive.archiveFor(jar);
    Files.copy(evil, beside);
    PackagedArchive.writeRecord(beside, jar.toRealPath(), beside.resolveSibling("relpack.jsa.id"));

    Files.setPosixFilePermissions(jar.getParent(), PosixFilePermissions.fromString("rwxrwxr-x"));
    Command.Result result = build(work.resolve("out1"));
    result.requireSuccess();
    assertFalse(Files.exists(marker), "the planted archive ran its code: " + result.stderr());
    assertTrue(result.stdout().contains("sha256:"), result.stdout());

    // the control: the same archive in a private directory is taken, so the test above can fail
    Files.setPosixFilePermissions(jar.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    build(work.resolve("out2"));
    assertTrue(Files.exists(marker), "an archive beside the jar in a private directory is used");
  }

  @Test
  void aDamagedArchiveOfItsOwnIsIgnored() throws Exception {
    build(work.resolve("out1")).requireSuccess();
    build(work.resolve("out2")).requireSuccess();
    Path own = awaitArchive().get(0);
    byte[] bytes = Files.readAllBytes(own);
    for (int i = bytes.length / 3; i < bytes.length * 2 / 3; i += 97) {
      bytes[i] ^= 0x5a; // damage in the middle, past the header the JVM checks first
    }
    Files.write(own, bytes);

    Command.Result result = build(work.resolve("out3"));
    result.requireSuccess();
    assertTrue(result.stdout().contains("sha256:"), result.stdout());
    assertFalse(result.stderr().contains("fatal error") || result.stderr().contains("crashed"),
        "the damaged archive was used: " + result.stderr());
    assertTrue(!Files.exists(own) || !java.util.Arrays.equals(bytes, Files.readAllBytes(own)),
        "the damaged archive is gone or made again");
  }

  /** The background maker's own work done (ArchiveMakerIT tests that it is in the background). */
  @AfterEach
  void awaitMakers() throws IOException {
    String real = jar.toRealPath().toString(); // what the launcher hands its children
    ProcessHandle.allProcesses().filter(p -> {
      String args = String.join(" ", p.info().arguments().orElse(new String[0]));
      return args.contains(jar.toString()) || args.contains(real);
    }).forEach(p -> p.onExit().join());
  }

  /** The archive the second build asked for, once its maker has made it. */
  private List<Path> awaitArchive() throws Exception {
    Path dir = home.resolve(".local/state/relpack/jvm");
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (true) {
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> archives = files.filter(p -> p.toString().endsWith(".jsa")).toList();
        if (!archives.isEmpty()) {
          return archives;
        }
      }
      assertTrue(Instant.now().isBefore(deadline), "no archive made within 3 minutes");
      Thread.sleep(100); // polling a background process's work
    }
  }

  private Command.Result build(Path out) {
    List<String> command = List.of(java(), "-jar", jar.toString(), "build", "--release",
        Testdata.demoTarball().toString(), "--to", "oci:" + out, "-q");
    return Command.run(command, Map.of("HOME", home.toString(),
        "XDG_CACHE_HOME", home.resolve(".cache").toString()), Duration.ofMinutes(3));
  }

  /**
   * An archive dumped from a jar at {@link #jar}'s path with its size and mtime, whose
   * {@code dev.relpack.cli.Main} writes {@link #marker}; checked to run code when used directly,
   * so the test above can fail.
   */
  private Path maliciousArchive() throws Exception {
    Path realCopy = work.resolve("real.jar");
    Files.copy(jar, realCopy, StandardCopyOption.COPY_ATTRIBUTES);
    writeEvilJar(realCopy, jar);
    Path archive = work.resolve("evil.jsa");
    Command.run(List.of(java(), "-XX:ArchiveClassesAtExit=" + archive, "-cp", jar.toString(),
        "dev.relpack.cli.Main"), Map.of(), Duration.ofMinutes(1)).requireSuccess();
    Files.copy(realCopy, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    Files.deleteIfExists(marker);

    Command.run(List.of(java(), "-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-cp",
        jar.toString(), "dev.relpack.cli.Main", "--version"), Map.of(), Duration.ofMinutes(1));
    assertTrue(Files.exists(marker), "the planted archive must run its code when used directly");
    Files.delete(marker);
    return archive;
  }

  /** The real jar with Main replaced, padded with a zip comment to the real jar's size. */
  private void writeEvilJar(Path real, Path evil) throws Exception {
    Path src = work.resolve("evil-src/dev/relpack/cli/Main.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, "package dev.relpack.cli;\npublic final class Main {\n"
        + "  public static void main(String[] a) throws Exception {\n"
        + "    java.nio.file.Files.writeString(java.nio.file.Path.of(\""
        + marker.toString().replace("\\", "\\\\") + "\"), \"ran\");\n  }\n}\n");
    Path classes = work.resolve("evil-classes");
    Files.createDirectories(classes);
    assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null,
        "--release", "17", "-d", classes.toString(), src.toString()));
    byte[] evilMain = Files.readAllBytes(classes.resolve("dev/relpack/cli/Main.class"));
    long size = Files.size(real);
    byte[] unpadded = jarWith(real, evilMain, "");
    int padding = (int) (size - unpadded.length);
    assertTrue(padding >= 0 && padding < 65_536, "padding " + padding);
    byte[] padded = jarWith(real, evilMain, "x".repeat(padding));
    assertEquals(size, padded.length);
    FileTime mtime = Files.getLastModifiedTime(real);
    Files.write(evil, padded);
    Files.setLastModifiedTime(evil, mtime);
  }

  private static byte[] jarWith(Path real, byte[] main, String comment) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipFile in = new ZipFile(real.toFile()); ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (ZipEntry entry : in.stream().toList()) {
        out.putNextEntry(new ZipEntry(entry.getName()));
        if (entry.getName().equals("dev/relpack/cli/Main.class")) {
          out.write(main);
        } else {
          in.getInputStream(entry).transferTo(out);
        }
        out.closeEntry();
      }
      out.setComment(comment);
    }
    return bytes.toByteArray();
  }

  private static List<Path> archivesUnder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".jsa")).sorted().toList();
    }
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
