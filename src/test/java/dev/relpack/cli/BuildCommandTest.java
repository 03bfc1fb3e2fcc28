package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Testdata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code relpack build} in a GitLab CI job's environment, in-process: what it says when the
 * target it would choose, or the image name and tags it is given, cannot be used. Each refusal
 * comes before any work: the cache is not even made.
 */
class BuildCommandTest {
  @TempDir Path home;
  @TempDir Path work;

  private record Result(int status, String out, String err) {}

  private static Map<String, String> job() {
    Map<String, String> env = new HashMap<>();
    env.put("GITLAB_CI", "true");
    env.put("CI_REGISTRY_IMAGE", "registry.example.com/group/project");
    env.put("CI_COMMIT_SHORT_SHA", "1a2b3c4d");
    env.put("CI_COMMIT_BRANCH", "main");
    env.put("CI_COMMIT_REF_SLUG", "main");
    env.put("CI_DEFAULT_BRANCH", "main");
    return env;
  }

  private Result build(Map<String, String> env, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--from", "scratch", "--progress", "none",
        "--cache-dir", cache().toString()));
    args.addAll(List.of(extra));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args.toArray(String[]::new), new Context(env, home,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, Path.of("/")));
    return new Result(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private Path cache() {
    return work.resolve("cache");
  }

  /** Exit 2, {@code line} alone on stderr, nothing built. */
  private void assertRefused(Result result, String line) {
    assertEquals(2, result.status(), result.err());
    assertEquals(List.of(line), result.err().lines().toList());
    assertEquals("", result.out());
    assertFalse(Files.exists(cache()), "refused before any work, yet the cache was made");
  }

  @Test
  void aJobWithoutARegistryImageNeedsATarget() {
    Map<String, String> env = job();
    env.remove("CI_REGISTRY_IMAGE");
    assertRefused(build(env), "relpack: error: no --to given, and CI_REGISTRY_IMAGE is empty in"
        + " this GitLab CI job (is the project's container registry enabled?); give the target"
        + " with --to");
  }

  @Test
  void outsideAJobTheTargetIsStillNeeded() {
    assertRefused(build(Map.of()), "relpack: error: give the target with --to: a registry"
        + " reference, tar:PATH or oci:DIR (in a GitLab CI job it is $CI_REGISTRY_IMAGE)");
  }

  @Test
  void anImageNameThreeSegmentsDeepBreaksGitlabsRule() {
    assertRefused(build(job(), "--image-name", "tools/jobs/worker"), "relpack: error:"
        + " --image-name tools/jobs/worker has 3 path segments; GitLab allows at most 2 below the"
        + " project's image ($CI_REGISTRY_IMAGE/a/b)");
  }

  @Test
  void anImageNameAndATargetSayWhichToDrop() {
    assertRefused(build(job(), "--image-name", "worker", "--to", "tar:" + work.resolve("x.tar")),
        "relpack: error: give --to or --image-name, not both: drop --image-name to push where"
            + " --to says, or drop --to to push to $CI_REGISTRY_IMAGE/worker");
  }

  @Test
  void anImageNameOutsideAJobNeedsTheRegistryImage() {
    assertRefused(build(Map.of(), "--image-name", "worker"), "relpack: error: --image-name"
        + " worker names an image below $CI_REGISTRY_IMAGE, which is not set outside a GitLab CI"
        + " job; give the whole target with --to");
  }

  @Test
  void aTagFromAnUnsetVariableSaysItIsEmpty() {
    assertRefused(build(job(), "-t", ""), "relpack: error: --tag \"\" is empty (a CI variable"
        + " that is not set in this job, perhaps)");
  }

  @Test
  void aBadTagInTheTargetIsNamedWithItsRule() {
    Result result = build(job(), "--to", "registry.example.com/app:v1+build");
    assertRefused(result, "relpack: error: --to registry.example.com/app:v1+build: the tag"
        + " v1+build holds '+', which a tag cannot; a tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127}:"
        + " letters, digits, '_', '.' and '-', up to 128 characters, not starting with '.' or"
        + " '-'");
  }

  @Test
  void theHelpNamesTheDefault() {
    Result result = build(Map.of(), "--help");
    assertEquals(0, result.status(), result.err());
    assertTrue(result.out().contains("--image-name=NAME"), result.out());
    assertTrue(result.out().contains("$CI_REGISTRY_IMAGE"), result.out());
  }
}
