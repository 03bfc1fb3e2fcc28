package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * relpack in a GitLab CI job with no --to: the variables set as a real job has them, the
 * registry asking for the job's credentials (htpasswd), and skopeo, with those credentials,
 * reading back which tags were made and that they all name the one image.
 */
class GitlabJobIT {
  private static final String PASSWORD = "job-token-7f3a9c";
  private static final String SHA = "4f1c2e9ab8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3";
  @TempDir static Path work;
  static RegistryServer registry;

  @BeforeAll
  static void start() {
    registry = RegistryServer.startWithAuth(work.resolve("registry"), "gitlab-ci-token", PASSWORD);
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  /** A job of project group/project, as GitLab starts it. */
  private static Relpack job(Map<String, String> pipeline) {
    Relpack relpack = new Relpack(work.resolve("home"))
        .env("GITLAB_CI", "true").env("CI", "true")
        .env("CI_REGISTRY", registry.address())
        .env("CI_REGISTRY_IMAGE", registry.address() + "/group/project")
        .env("CI_REGISTRY_USER", "gitlab-ci-token").env("CI_REGISTRY_PASSWORD", PASSWORD)
        .env("CI_JOB_TOKEN", PASSWORD)
        .env("CI_PROJECT_PATH", "group/project").env("CI_DEFAULT_BRANCH", "main")
        .env("CI_COMMIT_SHA", SHA).env("CI_COMMIT_SHORT_SHA", SHA.substring(0, 8));
    pipeline.forEach(relpack::env);
    return relpack;
  }

  private static Command.Result build(Relpack job, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--from", "scratch", "--no-check",
        "--progress", "plain"));
    args.addAll(List.of(extra));
    Command.Result result = job.run(args);
    assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    assertFalse((result.stdout() + result.stderr()).contains(PASSWORD), "the job token printed");
    return result;
  }

  /** What skopeo, logged in as the job, finds in {@code repository}. */
  private static List<String> tags(String repository) throws Exception {
    JsonNode list = new ObjectMapper().readTree(Command.run(List.of("skopeo", "list-tags",
        "--tls-verify=false", "--creds", "gitlab-ci-token:" + PASSWORD,
        "docker://" + registry.address() + "/" + repository), Map.of(), Duration.ofMinutes(1))
        .requireSuccess().stdout());
    List<String> tags = new ArrayList<>();
    // the referrers tag listing the image's SBOM (sha256-HEX) is no image tag
    list.path("Tags").forEach(t -> tags.add(t.asText()));
    tags.removeIf(t -> t.startsWith("sha256-"));
    return tags;
  }

  private static String digest(String image) {
    return Command.run(List.of("skopeo", "inspect", "--tls-verify=false", "--creds",
        "gitlab-ci-token:" + PASSWORD, "--format", "{{.Digest}}", "docker://" + image), Map.of(),
        Duration.ofMinutes(1)).requireSuccess().stdout().strip();
  }

  @Test
  void aDefaultBranchJobPushesToTheProjectsImageUnderVersionShaSlugAndLatest() throws Exception {
    Path metadata = work.resolve("main.json");
    Command.Result result = build(job(Map.of("CI_COMMIT_BRANCH", "main",
        "CI_COMMIT_REF_NAME", "main", "CI_COMMIT_REF_SLUG", "main", "CI_PIPELINE_SOURCE", "push")),
        "--metadata", metadata.toString());
    String image = registry.address() + "/group/project";
    List<String> expected = List.of("0.1.0", SHA.substring(0, 8), "main", "latest");
    JsonNode written = new ObjectMapper().readTree(metadata.toFile());
    List<String> reported = new ArrayList<>();
    written.path("tags").forEach(t -> reported.add(t.asText()));
    assertEquals(expected, reported, "the documented order, the version first");
    assertEquals(new TreeSet<>(expected), new TreeSet<>(tags("group/project")));
    String digest = written.path("digest").asText();
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
    for (String tag : expected) {
      assertEquals(digest, digest(image + ":" + tag), tag);
    }
    assertTrue(result.stdout().startsWith("Built " + image + "@" + digest), result.stdout());
  }

  @Test
  void aTagPipelineWithAnImageNamePushesBelowTheProjectWithTheGitTagAndNoLatest()
      throws Exception {
    Path metadata = work.resolve("tag.json");
    build(job(Map.of("CI_COMMIT_TAG", "v0.1.0", "CI_COMMIT_REF_NAME", "v0.1.0",
        "CI_COMMIT_REF_SLUG", "v0-1-0", "CI_PIPELINE_SOURCE", "push")),
        "--image-name", "tools/worker", "--metadata", metadata.toString());
    String image = registry.address() + "/group/project/tools/worker";
    List<String> expected = List.of("0.1.0", SHA.substring(0, 8), "v0.1.0");
    assertEquals(new TreeSet<>(expected), new TreeSet<>(tags("group/project/tools/worker")));
    String digest = new ObjectMapper().readTree(metadata.toFile()).path("digest").asText();
    for (String tag : expected) {
      assertEquals(digest, digest(image + ":" + tag), tag);
    }
  }
}
