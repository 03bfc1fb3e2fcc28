package dev.relpack.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.MavenRun;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maven goal in the machine's real Maven, in a child process: the sample pom of testdata,
 * no pom at all, the short prefix, skip, a bad base, settings.xml credentials and a parallel
 * reactor.
 */
class MavenGoalIT {
  private static final Pattern BUILT = Pattern.compile("\\[INFO\\] Built (\\S+)@(sha256:[0-9a-f]{64})");
  @TempDir static Path work;
  static RegistryServer registry;
  static MavenRun maven;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(work.resolve("registry"));
    maven = MavenRun.in(Files.createDirectories(work.resolve("maven")), "");
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void theSamplePomBuildsAtPackageAndTheImageRuns() throws Exception {
    Path project = copySample(work.resolve("sample"));
    assertTrue(Files.readString(project.resolve("pom.xml")).contains("<version>"
        + MavenRun.version() + "</version>"), "the sample names the plugin's version");
    String to = registry.address() + "/maven/sample:1";
    Command.Result result = maven.run(project, "package", "-Drelpack.to=" + to);
    assertSucceeded(result);
    assertEquals(List.of("0.1.0", "1"), registry.imageTags("maven/sample").stream().sorted().toList());
    String digest = Files.readString(project.resolve("target/image.digest")).strip();
    assertEquals(digest, built(result).group(2), "the digest file holds what the log says");

    JsonNode config = Skopeo.config("docker://" + to).path("config");
    assertTrue(config.path("ExposedPorts").has("4000/tcp"), config.toString());
    assertEquals("Example", config.path("Labels").path("org.opencontainers.image.vendor").asText());
    Path layout = work.resolve("sample-layout");
    Skopeo.copy("docker://" + to, "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("sample-run"))) {
      assertFalse(running.get("/version").isBlank(), "the image answers");
    }
  }

  @Test
  void withoutAPomThePropertiesAloneBuildTheSameImageAsTheCli() throws Exception {
    Path empty = Files.createDirectories(work.resolve("no-pom"));
    String to = registry.address() + "/maven/nopom:1";
    Command.Result result = maven.run(empty, MavenRun.plugin() + ":build",
        "-Drelpack.release=" + Testdata.demoTarball(), "-Drelpack.to=" + to,
        "-Drelpack.tags=a,b", "-Drelpack.dotenvFile=reports/image.env");
    assertSucceeded(result);
    assertEquals(List.of("1", "a", "b"), registry.imageTags("maven/nopom").stream().sorted().toList());
    assertTrue(Files.readString(empty.resolve("reports/image.env")).contains(
        "RELPACK_IMAGE_WITH_DIGEST=" + registry.address() + "/maven/nopom@"
            + built(result).group(2) + "\n"),
        "the dotenv file, its directory made, relative to where Maven ran");
    assertTrue(result.stdout().contains("[INFO] Checking that host boots the release"),
        "relpack's steps at info: " + result.stdout());

    String cli = new Relpack(work.resolve("cli-home")).succeed("build", "--release",
        Testdata.demoTarball().toString(), "--to", registry.address() + "/maven/cli:1", "-q")
        .stdout().strip();
    assertEquals(cli.substring(cli.indexOf('@') + 1), built(result).group(2),
        "the goal and the CLI build the same image from the same release");
  }

  @Test
  void inAGitlabJobTheGoalNeedsNoTargetAndTakesAnImageName() throws Exception {
    Path dir = Files.createDirectories(work.resolve("gitlab"));
    MavenRun job = MavenRun.in(Files.createDirectories(dir.resolve("maven")), "")
        .env("GITLAB_CI", "true").env("CI_REGISTRY_IMAGE", registry.address() + "/group/project")
        .env("CI_COMMIT_SHORT_SHA", "4f1c2e9a").env("CI_COMMIT_BRANCH", "main")
        .env("CI_COMMIT_REF_SLUG", "main").env("CI_DEFAULT_BRANCH", "main");
    Command.Result result = job.run(dir, MavenRun.plugin() + ":build",
        "-Drelpack.release=" + Testdata.demoTarball(), "-Drelpack.imageName=worker",
        "-Drelpack.env=PHX_SERVER=true,POOL_SIZE=10", "-Drelpack.label=team=web");
    assertSucceeded(result);
    assertEquals(List.of("0.1.0", "4f1c2e9a", "latest", "main"),
        registry.imageTags("group/project/worker").stream().sorted().toList());
    assertEquals(registry.address() + "/group/project/worker", built(result).group(1));
    // what a pipeline without a pom gives for -e and -l (the README's Phoenix hint)
    JsonNode config = Skopeo.config("docker://" + registry.address() + "/group/project/worker:main")
        .path("config");
    List<String> env = new ArrayList<>();
    config.path("Env").forEach(e -> env.add(e.asText()));
    assertTrue(env.containsAll(List.of("PHX_SERVER=true", "POOL_SIZE=10")), env.toString());
    assertEquals("web", config.path("Labels").path("team").asText());
  }

  @Test
  void withDevRelpackInPluginGroupsTheShortPrefixRunsTheGoal() throws Exception {
    Path empty = Files.createDirectories(work.resolve("prefix"));
    Path layout = work.resolve("prefix-layout");
    Command.Result result = maven.run(empty, "relpack:build",
        "-Drelpack.release=" + Testdata.demoTarball(), "-Drelpack.to=oci:" + layout + ":short");
    assertSucceeded(result);
    assertEquals(built(result).group(2),
        Skopeo.inspect("oci:" + layout + ":short").path("Digest").asText());
  }

  @Test
  void withAProjectDirTheGoalMakesTheReleaseWithMixAndLogsItsLines() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("project"));
    project.changeOneModule("made-by-maven");
    Path layout = work.resolve("project-layout");
    Command.Result result = maven.run(project.dir(), MavenRun.plugin() + ":build",
        "-Drelpack.projectDir=.", "-Drelpack.to=oci:" + layout + ":mix");
    assertSucceeded(result);
    assertTrue(result.stdout().contains("[INFO]   mix | "), "mix's lines: " + result.stdout());
    assertTrue(result.stdout().lines().anyMatch(l -> l.matches("\\[INFO\\] Made the release in "
        + "\\d+\\.\\d s")), result.stdout());
    try (RunningImage running = RunningImage.boot(layout, "mix", work.resolve("project-run"))) {
      assertTrue(running.get("/version").contains("made-by-maven"), "the image runs fresh code");
    }
  }

  @Test
  void skipDoesNothing() throws Exception {
    Path empty = Files.createDirectories(work.resolve("skip"));
    Command.Result result = maven.run(empty, MavenRun.plugin() + ":build",
        "-Drelpack.release=" + work.resolve("no-such-release"),
        "-Drelpack.to=" + registry.address() + "/maven/skipped:1", "-Drelpack.skip=true");
    assertSucceeded(result);
    assertTrue(result.stdout().contains("relpack: skipped"), result.stdout());
    assertEquals(List.of(), registry.tags("maven/skipped"));
  }

  @Test
  void aBadBaseFailsTheBuildWithTheClisMessageInTheGoalsWordsAndNoStackTrace() throws Exception {
    Path empty = Files.createDirectories(work.resolve("bad-from"));
    String[] args = {"build", "--release", Testdata.demoTarball().toString(), "--from", "oci:"
        + work.resolve("no-such-layout"), "--to", registry.address() + "/maven/bad:1"};
    Command.Result cli = new Relpack(work.resolve("cli-home")).run(args);
    assertEquals(2, cli.exitCode(), cli.stderr());
    List<String> lines = cli.stderr().strip().lines().toList();
    String message = lines.get(lines.size() - 1).replaceFirst("^relpack: error: ", "")
        .replace("--from ", "<from> ");
    assertTrue(message.startsWith("<from> oci:"), message);

    Command.Result result = maven.run(empty, MavenRun.plugin() + ":build",
        "-Drelpack.release=" + args[2], "-Drelpack.from=" + args[4], "-Drelpack.to=" + args[6]);
    assertEquals(1, result.exitCode(), result.stdout());
    assertTrue(result.stdout().contains("[ERROR] Failed to execute goal " + MavenRun.plugin()
        + ":build (default-cli) on project standalone-pom: relpack: " + message),
        "the CLI's message in the goal's words (" + message + "): " + result.stdout());
    assertFalse(result.stdout().contains("\tat dev.relpack"), "no stack trace: " + result.stdout());
    assertEquals(List.of(), registry.tags("maven/bad"));
  }

  @Test
  void aSettingsServerLogsInWithItsPasswordDecryptedAndNeverShownEvenWithDebugOutput() throws Exception {
    Path dir = Files.createDirectories(work.resolve("settings"));
    String password = "s3cret-registry-pw";
    try (RegistryServer locked = RegistryServer.startWithAuth(dir.resolve("registry"), "mvn-user",
        password)) {
      Path security = dir.resolve("settings-security.xml");
      String master = encrypted(maven.run(dir, "--encrypt-master-password", "master-pw"));
      Files.writeString(security, "<settingsSecurity><master>" + master
          + "</master></settingsSecurity>");
      String encrypted = encrypted(maven.run(dir, "-Dsettings.security=" + security,
          "--encrypt-password", password));
      MavenRun withServer = MavenRun.in(Files.createDirectories(dir.resolve("maven")),
          "<server><id>" + locked.address() + "</id><username>mvn-user</username><password>"
              + encrypted + "</password></server>");

      // -X: relpack's details through Maven's debug log, and still no secret in them
      Command.Result result = withServer.run(dir, "-X", MavenRun.plugin() + ":build",
          "-Dsettings.security=" + security, "-Drelpack.release=" + Testdata.demoTarball(),
          "-Drelpack.to=" + locked.address() + "/maven/locked:1");
      assertSucceeded(result);
      assertTrue(locked.repositories().contains("maven/locked"), locked.repositories().toString());
      assertTrue(result.stdout().contains("[DEBUG] registry " + locked.address()
          + " is on loopback: using plain HTTP"),
          "relpack's verbose output under -X: " + result.stdout());
      assertFalse(result.stdout().contains(password) || result.stdout().contains(encrypted),
          "no secret in Maven's output, not even with -X");
    }
  }

  @Test
  void executionsWithTheirOwnRegistryAndCaRunInParallelInOneJvmEachWithItsOwnTrust() throws Exception {
    Path dir = Files.createDirectories(work.resolve("reactor"));
    try (RegistryServer a = RegistryServer.startWithTls(dir.resolve("registry-a"));
         RegistryServer b = RegistryServer.startWithTls(dir.resolve("registry-b"))) {
      reactor(dir, "a", "b", "c");
      module(dir.resolve("a"), a.address() + "/reactor/a:1", a.certificate());
      module(dir.resolve("b"), b.address() + "/reactor/b:1", b.certificate());
      // c pushes to a's registry without a's CA: the CA another execution trusts is not its own
      module(dir.resolve("c"), a.address() + "/reactor/c:1", b.certificate());

      Command.Result result = maven.run(dir, "-T", "2", "--fail-at-end", "package");
      assertEquals(1, result.exitCode(), result.stdout());
      assertTrue(result.stdout().contains("with a thread count of 2"), result.stdout());
      assertTrue(result.stdout().matches("(?s).*\\[INFO\\] a \\.+ SUCCESS.*"), result.stdout());
      assertTrue(result.stdout().matches("(?s).*\\[INFO\\] b \\.+ SUCCESS.*"), result.stdout());
      assertTrue(result.stdout().contains("on project c: relpack: cannot use registry "
          + a.address() + " securely: its TLS certificate is not signed by a CA this machine"
          + " trusts; if it has a private CA pass <registryCas> FILE, else <insecure>"),
          result.stdout());
      assertEquals(List.of("reactor/a"), a.repositories());
      assertEquals(List.of("reactor/b"), b.repositories());
    }
  }

  @Test
  void aRelativeLayoutInAModuleIsWrittenInThatModule() throws Exception {
    Path dir = Files.createDirectories(work.resolve("relative"));
    reactor(dir, "m");
    Path module = dir.resolve("m");
    module(module, "<to>oci:target/image:1</to>");
    assertSucceeded(maven.run(dir, "package"));
    assertTrue(Files.isRegularFile(module.resolve("target/image/index.json")), "in the module");
    assertFalse(Files.exists(dir.resolve("target")), "not where Maven was started");
  }

  /** An aggregator pom in {@code dir} over {@code modules}. */
  private static void reactor(Path dir, String... modules) throws Exception {
    StringBuilder listed = new StringBuilder();
    for (String module : modules) {
      listed.append("<module>").append(module).append("</module>");
    }
    Files.writeString(dir.resolve("pom.xml"), """
        <project>
          <modelVersion>4.0.0</modelVersion>
          <groupId>com.example</groupId>
          <artifactId>%s</artifactId>
          <version>1</version>
          <packaging>pom</packaging>
          <modules>%s</modules>
        </project>
        """.formatted(dir.getFileName(), listed));
  }

  /** A module pushing the demo release to {@code to}, trusting {@code ca}. */
  private static void module(Path dir, String to, Path ca) throws Exception {
    module(dir, "<to>" + to + "</to><registryCas><registryCa>" + ca
        + "</registryCa></registryCas>");
  }

  /** A module that builds the demo release at package, with {@code configuration} besides. */
  private static void module(Path dir, String configuration) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("pom.xml"), """
        <project>
          <modelVersion>4.0.0</modelVersion>
          <groupId>com.example</groupId>
          <artifactId>%s</artifactId>
          <version>1</version>
          <packaging>pom</packaging>
          <build><plugins><plugin>
            <groupId>dev.relpack</groupId>
            <artifactId>relpack-maven-plugin</artifactId>
            <version>%s</version>
            <executions><execution>
              <phase>package</phase>
              <goals><goal>build</goal></goals>
              <configuration>
                <release>%s</release>
                %s
              </configuration>
            </execution></executions>
          </plugin></plugins></build>
        </project>
        """.formatted(dir.getFileName(), MavenRun.version(), Testdata.demoTarball(),
        configuration));
  }

  /** The sample pom of testdata/maven with the release it names, as a user has them. */
  private static Path copySample(Path dir) throws Exception {
    Path project = Files.createDirectories(dir.resolve("maven"));
    Files.copy(Testdata.root().resolve("maven/pom.xml"), project.resolve("pom.xml"));
    Files.createDirectories(dir.resolve("releases"));
    Files.copy(Testdata.demoTarball(), dir.resolve("releases/demo-0.1.0.tar.gz"));
    return project;
  }

  private static Matcher built(Command.Result result) {
    Matcher matcher = BUILT.matcher(result.stdout());
    assertTrue(matcher.find(), "a Built line: " + result.stdout());
    return matcher;
  }

  private static void assertSucceeded(Command.Result result) {
    assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    assertTrue(result.stdout().contains("BUILD SUCCESS"), result.stdout());
  }

  /** The {...} string {@code mvn --encrypt-password} (or master) prints. */
  private static String encrypted(Command.Result result) {
    result.requireSuccess();
    Matcher matcher = Pattern.compile("\\{[^}\\s]+\\}").matcher(result.stdout());
    assertTrue(matcher.find(), result.stdout());
    return matcher.group();
  }
}
