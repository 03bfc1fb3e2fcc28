package dev.relpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code mvn -Prelease} makes everything a publication to Maven Central needs. The project is
 * built in a copy, at a release version, so this build's own target/ is left alone, and deployed
 * to a directory: what lands there is exactly what a publication would upload. Signing is
 * skipped (no key here), but its execution must be there.
 */
class ReleaseProfileIT {
  private static final String VERSION = "9.8.7";
  private static final String BASE = "relpack-maven-plugin-" + VERSION;

  @TempDir Path work;

  @Test
  void theReleaseProfileDeploysTheMainJarTheCliTheDistSourcesJavadocAndACompletePom()
      throws Exception {
    Path project = copyOfTheProjectAt(VERSION);
    Path staging = work.resolve("staging");
    Command.Result build = maven(project, "-Prelease", "-Dgpg.skip", "-Dmaven.test.skip=true",
        "-Drelpack.archive.skip=true", // the JVM archive is no artifact; PackagedArchiveIT has it
        "deploy",
        "-DaltDeploymentRepository=staging::" + staging.toUri());
    build.requireSuccess();
    assertTrue(Pattern.compile("maven-gpg-plugin:[^:]+:sign \\(sign\\)").matcher(build.stdout())
        .find(), "the release profile signs (skipped here by -Dgpg.skip): " + build.stdout());

    Path deployed = staging.resolve("dev/relpack/relpack-maven-plugin/" + VERSION);
    List<String> artifacts = new ArrayList<>();
    try (Stream<Path> files = Files.list(deployed)) {
      files.map(p -> p.getFileName().toString())
          .filter(name -> !name.endsWith(".sha1") && !name.endsWith(".md5"))
          .sorted().forEach(artifacts::add);
    }
    assertEquals(List.of(BASE + "-cli.jar", BASE + "-dist.tar.gz", BASE + "-dist.zip",
        BASE + "-javadoc.jar", BASE + "-sources.jar", BASE + ".jar", BASE + ".pom"), artifacts);
    for (String artifact : artifacts) {
      assertTrue(Files.isRegularFile(deployed.resolve(artifact + ".sha1")), artifact + ".sha1");
    }

    Command.Result cli = Command.run(List.of(java(), "-jar",
        deployed.resolve(BASE + "-cli.jar").toString(), "--version"), Map.of(),
        Duration.ofMinutes(1)).requireSuccess();
    assertEquals("relpack " + VERSION, cli.stdout().strip());

    assertTrue(has(deployed.resolve(BASE + "-sources.jar"), "dev/relpack/cli/Main.java"));
    assertTrue(has(deployed.resolve(BASE + "-javadoc.jar"), "index.html"));
    assertTrue(has(deployed.resolve(BASE + "-javadoc.jar"), "dev/relpack/maven/BuildMojo.html"));
    assertTrue(has(deployed.resolve(BASE + ".jar"), "META-INF/maven/plugin.xml"),
        "the main artifact is the Maven plugin");
    assertFalse(has(deployed.resolve(BASE + "-cli.jar"), "META-INF/maven/plugin.xml"),
        "the CLI jar is the shaded program, not the plugin");

    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(deployed.resolve(BASE + ".pom").toFile());
    for (String field : List.of("name", "description", "url", "licenses/license/name",
        "licenses/license/url", "developers/developer/name", "scm/url", "scm/connection")) {
      String value = XPathFactory.newInstance().newXPath().evaluate("/project/" + field, pom);
      assertFalse(value.isBlank(), "Central requires <" + field + "> in the pom");
    }
    assertEquals("Apache-2.0",
        XPathFactory.newInstance().newXPath().evaluate("/project/licenses/license/name", pom));
  }

  /** pom.xml (at {@code version}), LICENSE and the main sources: what the build reads. */
  private Path copyOfTheProjectAt(String version) throws IOException {
    Path project = Files.createDirectories(work.resolve("project"));
    String pom = Files.readString(Path.of("pom.xml"));
    String current = "<version>" + System.getProperty("relpack.version", "0.1.0-SNAPSHOT")
        + "</version>";
    assertTrue(pom.contains(current), "the project's version in pom.xml");
    Files.writeString(project.resolve("pom.xml"),
        pom.replaceFirst(Pattern.quote(current), "<version>" + version + "</version>"));
    Files.copy(Path.of("LICENSE"), project.resolve("LICENSE"));
    for (String dir : List.of("src/main", "src/dist", "src/assembly")) {
      copyTree(Path.of(dir), project.resolve(dir));
    }
    return project;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path source : all.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /**
   * The machine's mvn with a local repository of the test's own, so nothing is written to the
   * outer build's. What the build needs comes from the outer build's repository, served to it as
   * a file: repository (as {@link dev.relpack.testsupport.MavenRun} does), then from Central,
   * which a machine whose repository lacks the release profile's plugins uses for those alone.
   */
  private Command.Result maven(Path project, String... args) throws IOException {
    Path outer = Path.of(System.getProperty("relpack.m2",
        System.getProperty("user.home") + "/.m2/repository"));
    Path settings = work.resolve("settings.xml");
    String repository = """
        <id>outer-build</id><url>%s</url>
        <releases><checksumPolicy>ignore</checksumPolicy></releases>
        <snapshots><enabled>false</enabled></snapshots>""".formatted(outer.toUri());
    Files.writeString(settings, """
        <settings>
          <localRepository>%s</localRepository>
          <profiles><profile><id>outer-build</id>
            <repositories><repository>%s</repository></repositories>
            <pluginRepositories><pluginRepository>%s</pluginRepository></pluginRepositories>
          </profile></profiles>
          <activeProfiles><activeProfile>outer-build</activeProfile></activeProfiles>
        </settings>
        """.formatted(work.resolve("repository"), repository, repository));
    List<String> command = new ArrayList<>(List.of("mvn", "-B", "-s", settings.toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    System.getenv().keySet().stream().filter(name -> name.startsWith("MAVEN_"))
        .forEach(name -> env.put(name, null));
    return Command.run(command, env, Duration.ofMinutes(5), project);
  }

  private static boolean has(Path jar, String entry) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.getEntry(entry) != null;
    }
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
