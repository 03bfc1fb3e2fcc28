package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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

  /** Builds the demo to oci:NAME and returns the class-loading log of the JVM that built it. */
  private String build(Path jar, String name) throws Exception {
    Path logs = Files.createDirectories(work.resolve("logs-" + name));
    Path home = work.resolve("home-" + name);
    Command.Result result = Command.run(List.of(java(), "-jar", jar.toString(), "build",
        "--release", Testdata.demoTarball().toString(), "--to",
        "oci:" + work.resolve("image-" + name), "-q"), Map.of("HOME", home.toString(),
        "XDG_CACHE_HOME", home.resolve(".cache").toString(),
        "XDG_STATE_HOME", home.resolve(".state").toString(),
        "JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + logs.resolve("%p.log")),
        Duration.ofMinutes(3));
    result.requireSuccess();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path log : files.toList()) {
        String text = Files.readString(log);
        if (text.contains("dev.relpack.engine.Engine ")) {
          return text;
        }
      }
    }
    throw new AssertionError("no JVM loaded the engine: " + result.stderr());
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
