package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mvn package} leaves a JVM class-data archive beside the jar, and the first build run
 * with {@code java -jar} takes relpack's classes from it; a copy of the jar somewhere else is not
 * what it was made for, and builds the same image without it.
 */
class PackagedArchiveIT {
  private static final Path JAR = Path.of(System.getProperty("relpack.jar", "target/relpack.jar"));

  @TempDir Path work;

  @BeforeEach
  void archiveMade() {
    assumeFalse(Boolean.getBoolean("relpack.archive.skip"), "-Drelpack.archive.skip: none made");
  }

  @Test
  void theFirstBuildLoadsRelpackFromTheArchiveMadeAtPackageTime() throws Exception {
    Path archive = PackagedArchive.archiveFor(JAR);
    assertTrue(Files.isRegularFile(archive), archive + " is missing: mvn package makes it");
    assertEquals(Optional.of(archive.toRealPath()),
        PackagedArchive.beside(JAR.toRealPath(), List.of()), "made for this JDK and this jar");

    String first = build(JAR, "first");
    assertTrue(first.contains("dev.relpack.engine.Engine source: shared objects file"), first);
  }

  @Test
  void aCopyOfTheJarElsewhereBuildsTheSameImageWithoutIt() throws Exception {
    Path copy = work.resolve("lib/relpack.jar");
    Files.createDirectories(copy.getParent());
    Files.copy(JAR, copy, StandardCopyOption.COPY_ATTRIBUTES);
    Path archive = PackagedArchive.archiveFor(JAR);
    Files.copy(archive, PackagedArchive.archiveFor(copy));
    Files.copy(archive.resolveSibling("relpack.jsa.id"), copy.resolveSibling("relpack.jsa.id"));

    String elsewhere = build(copy, "copy");
    assertTrue(elsewhere.contains("dev.relpack.engine.Engine source: jar:")
        || elsewhere.contains("dev.relpack.engine.Engine source: file:"), elsewhere);
    build(JAR, "original");
    assertEquals(Files.readString(work.resolve("image-original/index.json")),
        Files.readString(work.resolve("image-copy/index.json")), "the same image either way");
  }

  /**
   * The jar as a CI job downloads it, with no archive beside it: the build's JVM takes relpack's
   * classes from the jar without running them through the bytecode verifier
   * ({@link Relaunch#UNVERIFIED}), while the launcher's JVM, which plain {@code java -jar}
   * starts, verifies its own few as any JVM does.
   */
  @Test
  void aBuildFromTheJarAloneTakesItsClassesUnverified() throws Exception {
    Path copy = work.resolve("downloaded/relpack.jar");
    Files.createDirectories(copy.getParent());
    Files.copy(JAR, copy, StandardCopyOption.COPY_ATTRIBUTES);
    Path logs = Files.createDirectories(work.resolve("logs-verification"));
    Path home = work.resolve("home-verification");
    Command.run(List.of(java(), "-jar", copy.toString(), "build", "--release",
        Testdata.demoTarball().toString(), "--to", "oci:" + work.resolve("image-verification"),
        "-q"), Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString(),
        "XDG_STATE_HOME", home.resolve(".state").toString(),
        "JAVA_TOOL_OPTIONS", "-Xlog:verification=info:file=" + logs.resolve("%p.log")),
        Duration.ofMinutes(3)).requireSuccess();
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path log : files.toList()) {
        all.append(Files.readString(log));
      }
    }
    assertTrue(all.indexOf("Verifying class dev.relpack.cli.Launcher ") >= 0,
        "the launcher's JVM verifies, so the log would show the build's classes: " + all);
    // the engine is the build's: the launcher never loads it
    assertTrue(all.indexOf("Verifying class dev.relpack.engine.Engine ") < 0, all.toString());
  }

  /**
   * The archive holds the classes of the builds users wait for most (the same release again, one
   * module changed, a job with no cache), not those only a cache's first builds load, since each
   * class in it costs every start ({@link ArchiveTraining}): the tarball's extraction into a new
   * cache is one of those. Recorded over every training build, this first build took it from the
   * archive.
   */
  @Test
  void theArchiveHoldsASecondBuildsClassesAndNotThoseOnlyAFirstLoads() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      Path release = TestBases.unpackDemo(work.resolve("release"));
      String from = new TestBases(work.resolve("bases"), release)
          .get(TestBases.Name.COMPLETE).pushedTo(registry);
      List<String> args = List.of("--release", Testdata.demoTarball().toString(), "--from", from,
          "--to", registry.address() + "/archive/again:1", "-q");

      String first = build(JAR, "again", "first-of-its-cache", args).log();
      String extractor = "dev.relpack.release.TarballExtractor source: ";
      assertTrue(first.contains(extractor), first);
      assertFalse(first.contains(extractor + "shared objects file"), "in the archive: " + first);
      assertRelpackFromTheArchive(build(JAR, "again", "second", args).log());
    }
  }

  /**
   * The training registry answers plain HTTP, but the registries users push to answer HTTPS: the
   * archive holds the JDK's TLS client too (the training writes a client hello), or an HTTPS
   * build would read some 450 of the JDK's classes from its modules.
   */
  @Test
  void theArchiveHoldsTheJdksTlsClient() throws Exception {
    List<String> command = ArchiveMaker.tunedJava(List.of());
    command.addAll(List.of("-XX:SharedArchiveFile=" + PackagedArchive.archiveFor(JAR),
        "-Xshare:on", "-XX:+PrintSharedArchiveAndExit", "-cp", JAR.toString()));
    String listed = Command.run(command, Map.of(), Duration.ofMinutes(1)).requireSuccess()
        .stdout();
    for (String tls : List.of("sun.security.ssl.SSLEngineImpl", "sun.security.ssl.ClientHello",
        "sun.security.ssl.SSLContextImpl$DefaultSSLContext")) {
      assertTrue(listed.contains(" " + tls + " boot_loader"), tls + " not in the archive");
    }
  }

  /**
   * The build a pipeline makes most, a release directory with one module changed since the image
   * in the registry, takes relpack's classes and lambdas from the archive: the training builds
   * such a release ({@link ArchiveTraining}). Untrained, it loaded 75 classes from elsewhere.
   */
  @Test
  void aChangedReleaseDirectoryTakesRelpacksClassesFromTheArchive() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String image = registry.address() + "/archive/demo:1";
      Pipeline pipeline = builtThenChanged(registry, image, "-v");

      Logged changed = build(JAR, "pipeline", "changed", List.of("--release",
          pipeline.release().toString(), "--from", pipeline.from(), "--to", image, "-v"));
      assertTrue(changed.stderr().contains(ImageRevisionIT.REVISED), changed.stderr());
      assertRelpackFromTheArchive(changed.log()); // untrained, this build spun 45 lambdas
    }
  }

  /**
   * A pipeline's job with no cache, one module changed since the image in the registry, takes
   * the unchanged layers from that image ({@code --cache-from}) with relpack's classes and lambdas
   * from the archive. The training's job once shared the state of the builds before it, tagged
   * their image and read no layer: this build then loaded 43 of relpack's from the jar.
   */
  @Test
  void aJobWithNoCacheTakesRelpacksClassesFromTheArchive() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String previous = registry.address() + "/archive/demo:1";
      Pipeline pipeline = builtThenChanged(registry, previous, "-q");

      Logged job = build(JAR, "job", "job", List.of("--release", pipeline.release().toString(),
          "--from", pipeline.from(), "--to", registry.address() + "/archive/demo:2",
          "--cache-from", previous, "-v"));
      assertTrue(job.stderr().contains("fetched instead of compressed"), job.stderr());
      assertRelpackFromTheArchive(job.log());
    }
  }

  /** The demo's release directory and the registry base it was built on. */
  private record Pipeline(Path release, String from) {}

  /**
   * The demo's directory built to {@code image} by a pipeline (HOME home-pipeline), then one
   * module changed as a new build would change it (relpack reads no module's bytes).
   */
  private Pipeline builtThenChanged(RegistryServer registry, String image, String option)
      throws Exception {
    Path release = TestBases.unpackDemo(work.resolve("release"));
    String from = new TestBases(work.resolve("bases"), release)
        .get(TestBases.Name.COMPLETE).pushedTo(registry);
    build(JAR, "pipeline", "directory", List.of("--release", release.toString(), "--from", from,
        "--to", image, option));
    Files.write(release.resolve("lib/demo-0.1.0/ebin/Elixir.Demo.Version.beam"),
        new byte[] {0}, StandardOpenOption.APPEND);
    return new Pipeline(release, from);
  }

  /**
   * Every class of relpack's in the class-loading {@code log} came from the archive, and all but
   * a few of its lambdas: a call site two threads link at once gets the archived lambda class in
   * one of them only, the other spins its own.
   */
  private static void assertRelpackFromTheArchive(String log) {
    List<String> elsewhere = log.lines()
        .filter(line -> line.contains(" dev.relpack.") && !line.endsWith("shared objects file"))
        .toList();
    assertEquals(List.of(), elsewhere.stream().filter(line -> !line.contains("$$Lambda")).toList(),
        "relpack's classes read from the jar, not the archive");
    assertTrue(elsewhere.size() < 10, "lambdas spun at run time: " + elsewhere);
  }

  /** Builds the demo to oci:NAME and returns the class-loading log of the JVM that built it. */
  private String build(Path jar, String name) throws Exception {
    return build(jar, name, name, List.of("--release", Testdata.demoTarball().toString(), "--to",
        "oci:" + work.resolve("image-" + name), "-q")).log();
  }

  /** A build's stderr and the class-loading log of the JVM that built it. */
  private record Logged(String stderr, String log) {}

  /** Runs {@code java -jar JAR build ARGS} with HOME home-HOME, logging the classes it loads. */
  private Logged build(Path jar, String home, String name, List<String> args) throws Exception {
    Path logs = Files.createDirectories(work.resolve("logs-" + name));
    Path homeDir = work.resolve("home-" + home);
    List<String> command = new ArrayList<>(List.of(java(), "-jar", jar.toString(), "build"));
    command.addAll(args);
    Command.Result result = Command.run(command, Map.of("HOME", homeDir.toString(),
        "XDG_CACHE_HOME", homeDir.resolve(".cache").toString(),
        "XDG_STATE_HOME", homeDir.resolve(".state").toString(),
        "JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + logs.resolve("%p.log")),
        Duration.ofMinutes(3));
    result.requireSuccess();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path log : files.toList()) {
        String text = Files.readString(log);
        if (text.contains("dev.relpack.engine.Engine ")) {
          return new Logged(result.stderr(), text);
        }
      }
    }
    throw new AssertionError("no JVM loaded the engine: " + result.stderr());
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
