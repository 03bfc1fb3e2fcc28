package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.GitlabCiLocal;
import dev.relpack.testsupport.MavenRun;
import dev.relpack.testsupport.PublishedRelpack;
import dev.relpack.testsupport.GitlabRegistry;
import dev.relpack.testsupport.GitlabTokenService;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.TestBases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelines README shows (src/gitlab/*.gitlab-ci.yml), run as they are by gitlab-ci-local
 * against the test's HTTPS registry, with GitLab's predefined variables set as a real job has
 * them and relpack fetched from a local copy of what Maven Central would serve. The images they
 * push are read back with skopeo and started.
 */
class GitlabPipelinesIT {
  private static final Pattern DEPLOYED =
      Pattern.compile("deploying (\\S+)@(sha256:[0-9a-f]{64}) \\(tags ([^)]*)\\)");
  private static final String JOB_USER = GitlabTokenService.JOB_USER;

  @TempDir static Path work;
  private static String published;
  private static Path home;
  private static TestBases bases;
  /** The project's registry: HTTPS behind GitLab's token protocol, one per test. */
  private GitlabRegistry registry;

  @BeforeAll
  static void setUp() throws IOException {
    published = PublishedRelpack.layOut(work.resolve("central"));
    home = Files.createDirectories(work.resolve("home"));
    writeMavenSettings(home);
    bases = new TestBases(work.resolve("bases"), TestBases.unpackDemo(work.resolve("demo-release")));
  }

  @AfterEach
  void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void twoJobsOnTheDefaultBranchPushLatestAndHandTheDigestToDeploy() throws IOException {
    GitlabCiLocal pipeline = pipeline("two-jobs", "group/two-jobs");
    // the project keeps the Debian base it runs on in its own registry, pushed there earlier
    String debianBase = registry.projectImage() + "/bases/debian:bookworm";
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", JOB_USER + ":" + jobToken(),
        bases.get(TestBases.Name.COMPLETE).oci(), "docker://" + debianBase);
    pipeline.variable("RELPACK_BASE", debianBase);
    Command.Result run = pipeline.run();
    assertPassed(run);
    String image = registry.projectImage();
    String digest = deployedDigest(pipeline, image);
    String sha = shortSha(pipeline);
    assertEquals(Set.of("0.1.0", sha, "main", "latest"), imageTags(image));
    for (String tag : imageTags(image)) {
      assertEquals(digest, digestOf(image + ":" + tag), tag);
    }
    assertSbom(pipeline, image, digest);
    assertTrue(pipeline.jobLog("container").contains("boots the release"),
        "the boot check ran before the push:\n" + pipeline.jobLog("container"));
    assertBoots(image + "@" + digest, "two-jobs");
  }

  @Test
  void oneDebianJobThroughTheMavenGoalOnATagPipeline() throws IOException {
    GitlabCiLocal pipeline = pipeline("one-job-debian", "group/debian").tagPipeline("v0.1.0");
    Command.Result run = pipeline.run();
    assertPassed(run);
    String image = registry.projectImage();
    String digest = deployedDigest(pipeline, image);
    assertEquals(Set.of("0.1.0", shortSha(pipeline), "v0.1.0"), imageTags(image),
        "a tag pipeline pushes no latest and no branch tag");
    assertEquals(digest, digestOf(image + ":v0.1.0"));
    assertSbom(pipeline, image, digest);
    assertBoots(image + "@" + digest, "debian");
  }

  @Test
  void oneAlpineJobThroughTheJarOnTheDefaultBranch() throws IOException {
    GitlabCiLocal pipeline = pipeline("one-job-alpine", "group/alpine");
    Command.Result run = pipeline.run();
    assertPassed(run);
    String image = registry.projectImage();
    String digest = deployedDigest(pipeline, image);
    assertEquals(Set.of("0.1.0", shortSha(pipeline), "main", "latest"), imageTags(image));
    assertSbom(pipeline, image, digest);
    assertBoots(image + "@" + digest, "alpine");
  }

  /**
   * A fresh copy of the demo project holding pipeline {@code name}, as project {@code
   * projectPath}, with its registry started.
   */
  private GitlabCiLocal pipeline(String name, String projectPath) throws IOException {
    registry = GitlabTokenService.startWithRegistry(work.resolve("registries").resolve(name),
        GitlabTokenService.Settings.job(projectPath));
    Path dir = Files.createDirectories(work.resolve("pipelines").resolve(name));
    DemoProject project = DemoProject.copyTo(dir);
    return GitlabCiLocal.repository(project.dir(),
            Path.of("src/gitlab/" + name + ".gitlab-ci.yml"), home)
        .variables(Map.of(
            "GITLAB_CI", "true",
            "CI_REGISTRY", registry.address(),
            "CI_REGISTRY_IMAGE", registry.projectImage(),
            "CI_PROJECT_PATH", projectPath,
            "CI_REGISTRY_USER", JOB_USER,
            "CI_REGISTRY_PASSWORD", jobToken(),
            "CI_JOB_TOKEN", jobToken(),
            "CI_SERVER_TLS_CA_FILE", registry.caFile().toString(),
            "RELPACK_REPOSITORY", published,
            "RELPACK_VERSION", MavenRun.version()));
  }

  private String jobToken() {
    return registry.jobToken();
  }

  private void assertPassed(Command.Result run) {
    assertEquals(0, run.exitCode(), () -> "the pipeline failed:\n" + run.stdout() + run.stderr());
    assertTrue(!run.stdout().contains(jobToken()) && !run.stderr().contains(jobToken()),
        "the job token was printed");
    assertTrue(registry.tokens().issued().stream().anyMatch(token -> token.access().values()
        .stream().anyMatch(actions -> actions.contains("push"))),
        "the registry was reached through GitLab's token flow");
  }

  /** The image the deploy job was handed through the dotenv report; checks it is this one. */
  private String deployedDigest(GitlabCiLocal pipeline, String image) throws IOException {
    Matcher m = DEPLOYED.matcher(pipeline.jobLog("deploy"));
    assertTrue(m.find(), () -> "no image handed to deploy:\n" + logOf(pipeline, "deploy"));
    assertEquals(image, m.group(1));
    assertEquals(digestOf(image + ":" + shortSha(pipeline)), m.group(2));
    return m.group(2);
  }

  private static String logOf(GitlabCiLocal pipeline, String job) {
    try {
      return pipeline.jobLog(job);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String shortSha(GitlabCiLocal pipeline) {
    return Command.run(List.of("git", "rev-parse", "--short=8", "HEAD"), Map.of(),
        Duration.ofSeconds(30), pipeline.project()).requireSuccess().stdout().trim();
  }

  /**
   * The job left the SBOM it names in its cyclonedx report, for the image it pushed, and the
   * registry lists that SBOM as the image's referrer under the referrers tag, the only tag
   * besides the image's own.
   */
  private void assertSbom(GitlabCiLocal pipeline, String image, String digest) throws IOException {
    JsonNode sbom = new ObjectMapper().readTree(
        pipeline.jobFile("container", "gl-sbom-relpack.cdx.json").toFile());
    assertEquals("CycloneDX", sbom.path("bomFormat").asText());
    assertEquals("demo", sbom.path("metadata").path("component").path("name").asText());
    String referrersTag = "sha256-" + digest.substring("sha256:".length());
    Set<String> all = tags(image);
    assertTrue(all.contains(referrersTag), () -> "no referrers tag: " + all);
    JsonNode referrers = new ObjectMapper().readTree(skopeo("inspect", "--raw",
        "--tls-verify=false", "--creds", JOB_USER + ":" + jobToken(),
        "docker://" + image + ":" + referrersTag));
    assertEquals("application/vnd.cyclonedx+json",
        referrers.path("manifests").get(0).path("artifactType").asText(), referrers.toString());
  }

  /** The image's tags: every tag but the referrers tag ({@code sha256-<hex>}). */
  private Set<String> imageTags(String image) throws IOException {
    Set<String> tags = tags(image);
    tags.removeIf(tag -> tag.startsWith("sha256-"));
    return tags;
  }

  private Set<String> tags(String image) throws IOException {
    JsonNode list = new ObjectMapper().readTree(skopeo("list-tags", "--tls-verify=false",
        "--creds", JOB_USER + ":" + jobToken(), "docker://" + image));
    Set<String> tags = new TreeSet<>();
    list.path("Tags").forEach(tag -> tags.add(tag.asText()));
    return tags;
  }

  private String digestOf(String reference) throws IOException {
    return new ObjectMapper().readTree(skopeo("inspect", "--tls-verify=false",
        "--creds", JOB_USER + ":" + jobToken(), "docker://" + reference)).path("Digest").asText();
  }

  /** Copies the pushed image into a layout, unpacks it with umoci and talks to it over HTTP. */
  private void assertBoots(String reference, String name) throws IOException {
    Path layout = Files.createDirectories(work.resolve("pulled")).resolve(name);
    skopeo("copy", "--src-tls-verify=false", "--src-creds", JOB_USER + ":" + jobToken(),
        "docker://" + reference, "oci:" + layout + ":pulled");
    try (RunningImage running = RunningImage.boot(layout, "pulled",
        Files.createDirectories(work.resolve("run").resolve(name)))) {
      assertEquals("hello, relpack\n", running.get("/"));
    }
  }

  private static String skopeo(String... args) {
    List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    command.addAll(List.of(args));
    return Command.run(command, Map.of(), Duration.ofMinutes(2)).requireSuccess().stdout();
  }

  /**
   * The jobs' Maven settings: Maven Central is the outer build's local repository (a
   * {@code file:} URL), and relpack comes from the published layout (checksums enforced). The
   * pipeline names the job's own local repository; the one here only keeps a pipeline that
   * forgot from writing to the outer build's.
   */
  private static void writeMavenSettings(Path home) throws IOException {
    Path outer = Path.of(System.getProperty("relpack.m2",
        System.getProperty("user.home") + "/.m2/repository"));
    Files.createDirectories(home.resolve(".m2"));
    Files.writeString(home.resolve(".m2/settings.xml"), """
        <settings>
          <localRepository>%3$s</localRepository>
          <profiles>
            <profile>
              <id>offline-central</id>
              <repositories>
                <repository><id>central</id><url>%1$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots></repository>
              </repositories>
              <pluginRepositories>
                <pluginRepository><id>relpack-published</id><url>%2$s</url>
                  <releases><checksumPolicy>fail</checksumPolicy></releases>
                  <snapshots><enabled>true</enabled><checksumPolicy>fail</checksumPolicy></snapshots>
                </pluginRepository>
                <pluginRepository><id>central</id><url>%1$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots></pluginRepository>
              </pluginRepositories>
            </profile>
          </profiles>
          <activeProfiles><activeProfile>offline-central</activeProfile></activeProfiles>
        </settings>
        """.formatted(outer.toUri(), published, home.resolve("m2-unused")));
  }
}
