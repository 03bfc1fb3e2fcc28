package dev.relpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.MavenRun;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the default build ({@code mvn package}) gives a job to fetch: the runnable CLI jar, and the
 * distribution archive whose {@code bin/relpack} runs it in one tuned JVM, wherever it is linked
 * from. The archives are unpacked as a user would, with the system's {@code tar}.
 */
class ReleaseArtifactsIT {
  private static final String VERSION = MavenRun.version();
  private static final String TOP = "relpack-" + VERSION;
  private static final Path TARGET = Path.of(System.getProperty("relpack.jar", "target/relpack.jar"))
      .getParent();

  @TempDir Path work;
  private Path home;

  @BeforeEach
  void home() throws IOException {
    home = Files.createDirectories(work.resolve("home"));
  }

  @Test
  void theCliJarRunsAndSaysTheProjectsVersion() {
    Command.Result result = new Relpack(home).succeed("--version");
    assertEquals("relpack " + VERSION, result.stdout().strip());
  }

  @Test
  void theTarballHoldsTheLauncherTheJarTheLicenseAndAReadme() throws IOException {
    Path unpacked = untar();
    assertEquals(List.of(TOP + "/LICENSE", TOP + "/README.md", TOP + "/bin/relpack",
        TOP + "/lib/relpack.jar"), filesUnder(unpacked));
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(unpacked.resolve(TOP + "/bin/relpack"))));
    assertArrayEquals(Files.readAllBytes(TARGET.resolve("relpack.jar")),
        Files.readAllBytes(unpacked.resolve(TOP + "/lib/relpack.jar")), "the CLI jar itself");
    assertTrue(Files.readString(unpacked.resolve(TOP + "/README.md")).startsWith(
        "# relpack " + VERSION + "\n"), "the README is filtered with the version");
  }

  @Test
  void theZipHoldsTheSameFilesWithTheLauncherExecutable() throws IOException {
    try (ZipFile zip = ZipFile.builder().setPath(dist("zip")).get()) {
      List<String> files = new ArrayList<>();
      for (ZipArchiveEntry entry : Collections.list(zip.getEntries())) {
        if (!entry.isDirectory()) {
          files.add(entry.getName());
        }
      }
      Collections.sort(files);
      assertEquals(List.of(TOP + "/LICENSE", TOP + "/README.md", TOP + "/bin/relpack",
          TOP + "/lib/relpack.jar"), files);
      assertEquals(0755, zip.getEntry(TOP + "/bin/relpack").getUnixMode() & 0777);
    }
  }

  @Test
  void theLauncherSaysTheVersionWithTheJavaOnPath() throws IOException {
    Path launcher = untar().resolve(TOP + "/bin/relpack");
    Map<String, String> env = new Relpack(home).environment();
    env.put("JAVA_HOME", null);
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
    Command.Result result = Command.run(List.of(launcher.toString(), "--version"), env,
        Duration.ofMinutes(1)).requireSuccess();
    assertEquals("relpack " + VERSION, result.stdout().strip());
  }

  /**
   * Run through a chain of links from another directory, as from a PATH directory: the launcher
   * finds its jar, builds the demo, and does it in one JVM, the very process started (exec, no
   * shell left waiting, no second JVM). Every JVM started with JAVA_OPTS writes a log named by
   * its pid, and a relaunched JVM inherits its parent's options, so a second JVM or a JVM under
   * another pid shows as a second or differently named file.
   */
  @Test
  void theLauncherBuildsTheDemoThroughLinksInOneJvmThatIsTheProcessStarted() throws Exception {
    Path unpacked = untar();
    Path links = Files.createDirectories(work.resolve("links/inner"));
    Files.createSymbolicLink(links.resolve("relpack-link"), Path.of("../../unpacked/" + TOP + "/bin/relpack"));
    Path entry = Files.createSymbolicLink(work.resolve("links/relpack"), links.resolve("relpack-link"));
    Path jvmLogs = Files.createDirectories(work.resolve("jvm-logs"));
    Path image = work.resolve("image");

    Map<String, String> env = new Relpack(home).environment();
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("JAVA_OPTS", "-Xlog:gc:file=" + jvmLogs.resolve("jvm-%p.log"));
    env.put("LC_ALL", null);
    env.put("LC_CTYPE", null);
    env.put("LANG", "C"); // the launcher still gives Java UTF-8 file names
    ProcessBuilder builder = new ProcessBuilder(entry.toString(), "build", "--release",
        Testdata.demoTarball().toAbsolutePath().toString(), "--to", "oci:" + image)
        .directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve("build.log").toFile());
    env.forEach((name, value) -> {
      if (value == null) {
        builder.environment().remove(name);
      } else {
        builder.environment().put(name, value);
      }
    });
    Process process = builder.start();
    assertTrue(process.waitFor(3, TimeUnit.MINUTES), "the build finished");
    String log = Files.readString(work.resolve("build.log"), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), log);
    assertTrue(log.contains("Built oci:" + image + "@sha256:"), log);
    assertTrue(Files.isRegularFile(image.resolve("index.json")), "an OCI layout was written");

    assertEquals(List.of("jvm-" + process.pid() + ".log"), filesUnder(jvmLogs),
        "one JVM, and it is the process the launcher was started as");
    assertTrue(Files.readString(jvmLogs.resolve("jvm-" + process.pid() + ".log"))
        .contains("Using Serial"), "started with the launcher's flags");
  }

  @Test
  void aJavaHomeWithoutJavaIsNamedAndExits2() throws IOException {
    Path launcher = untar().resolve(TOP + "/bin/relpack");
    Map<String, String> env = new Relpack(home).environment();
    env.put("JAVA_HOME", work.resolve("no-jdk").toString());
    Command.Result result = Command.run(List.of(launcher.toString(), "--version"), env,
        Duration.ofMinutes(1));
    assertEquals(2, result.exitCode());
    assertEquals("relpack: error: JAVA_HOME=" + work.resolve("no-jdk") + " has no bin/java:"
        + " point it at a Java 17 or newer, or unset it to use the java on PATH",
        result.stderr().strip());
  }

  private static Path dist(String extension) {
    Path archive = TARGET.resolve("relpack-maven-plugin-" + VERSION + "-dist." + extension);
    assertTrue(Files.isRegularFile(archive), archive + " is missing: run mvn package first");
    return archive;
  }

  /** The tarball unpacked by the system's tar into {@code work/unpacked}. */
  private Path untar() throws IOException {
    Path into = Files.createDirectories(work.resolve("unpacked"));
    Command.run(List.of("tar", "-xzf", dist("tar.gz").toAbsolutePath().toString(), "-C",
        into.toString()), Map.of(), Duration.ofMinutes(1)).requireSuccess();
    return into;
  }

  /** Regular files under {@code dir}, relative, sorted. */
  private static List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted()
          .toList();
    }
  }
}
