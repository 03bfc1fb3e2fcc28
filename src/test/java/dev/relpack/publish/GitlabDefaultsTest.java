package dev.relpack.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitlabDefaultsTest {
  private static final String PROJECT = "registry.example.com/group/project";

  /** What GitLab sets in every job of a project with its registry on. */
  private static Map<String, String> job() {
    Map<String, String> env = new HashMap<>();
    env.put("GITLAB_CI", "true");
    env.put("CI", "true");
    env.put("CI_REGISTRY", "registry.example.com");
    env.put("CI_REGISTRY_IMAGE", PROJECT);
    env.put("CI_COMMIT_SHORT_SHA", "1a2b3c4d");
    env.put("CI_DEFAULT_BRANCH", "main");
    return env;
  }

  private static Map<String, String> branchJob(String branch, String slug) {
    Map<String, String> env = job();
    env.put("CI_COMMIT_BRANCH", branch);
    env.put("CI_COMMIT_REF_NAME", branch);
    env.put("CI_COMMIT_REF_SLUG", slug);
    return env;
  }

  private static Map<String, String> tagJob(String tag, String slug) {
    Map<String, String> env = job();
    env.put("CI_COMMIT_TAG", tag);
    env.put("CI_COMMIT_REF_NAME", tag);
    env.put("CI_COMMIT_REF_SLUG", slug);
    return env;
  }

  private static GitlabDefaults.Choice chosen(Map<String, String> env, String version) {
    return GitlabDefaults.choose("", Optional.empty(), List.of(), env, Optional.of(version));
  }

  private static RegistryTarget target(GitlabDefaults.Choice choice) {
    return assertInstanceOf(RegistryTarget.class, choice.target());
  }

  @Test
  void theDefaultBranchGetsVersionShaSlugAndLatest() {
    GitlabDefaults.Choice choice = chosen(branchJob("main", "main"), "1.4.0");
    RegistryTarget target = target(choice);
    assertEquals("registry.example.com", target.image().getRegistry());
    assertEquals("group/project", target.image().getRepository());
    assertEquals(List.of("1.4.0", "1a2b3c4d", "main", "latest"), target.tags());
    assertEquals(PROJECT + ":1.4.0", target.display(), "the version is the primary tag");
    assertTrue(choice.chosen());
    assertEquals(List.of(), choice.warnings());
  }

  @Test
  void anotherBranchGetsNoLatest() {
    assertEquals(List.of("1.4.0", "1a2b3c4d", "feature-login"),
        target(chosen(branchJob("feature/Login", "feature-login"), "1.4.0")).tags());
  }

  @Test
  void aTagPipelineGetsTheGitTagAndNeitherSlugNorLatest() {
    assertEquals(List.of("1.4.0", "1a2b3c4d", "v1.4.0"),
        target(chosen(tagJob("v1.4.0", "v1-4-0"), "1.4.0")).tags());
  }

  @Test
  void aGitTagEqualToTheVersionIsListedOnce() {
    assertEquals(List.of("1.4.0", "1a2b3c4d"),
        target(chosen(tagJob("1.4.0", "1-4-0"), "1.4.0")).tags());
  }

  @Test
  void aMergeRequestPipelineGetsShaAndSlugButNotTheVersion() {
    Map<String, String> env = job();
    env.put("CI_MERGE_REQUEST_IID", "42");
    env.put("CI_COMMIT_REF_NAME", "feature/login");
    env.put("CI_COMMIT_REF_SLUG", "feature-login");
    assertEquals(List.of("1a2b3c4d", "feature-login"), target(chosen(env, "1.4.0")).tags(),
        "unmerged code must not move the release's version tag");
  }

  @Test
  void aBranchPipelineOfAMergeRequestIsABranchPipeline() {
    Map<String, String> env = branchJob("main", "main");
    env.put("CI_MERGE_REQUEST_IID", "42");
    assertEquals(List.of("1.4.0", "1a2b3c4d", "main", "latest"),
        target(chosen(env, "1.4.0")).tags());
  }

  @Test
  void buildMetadataInTheVersionIsWrittenWithAnUnderscoreAsHelmDoes() {
    GitlabDefaults.Choice choice = chosen(branchJob("dev", "dev"), "1.0.0+build.5");
    assertEquals(List.of("1.0.0_build.5", "1a2b3c4d", "dev"), target(choice).tags());
    assertEquals(List.of(), choice.warnings());
  }

  @Test
  void aVersionThatCannotBeATagIsLeftOutWithAWarning() {
    GitlabDefaults.Choice choice = chosen(branchJob("dev", "dev"), "-rc/1");
    assertEquals(List.of("1a2b3c4d", "dev"), target(choice).tags());
    assertEquals(1, choice.warnings().size());
    assertTrue(choice.warnings().get(0).contains("release version -rc/1 is not tagged"),
        choice.warnings().toString());
  }

  @Test
  void aGitTagThatCannotBeAnImageTagIsReplacedByItsSlugWithAWarning() {
    GitlabDefaults.Choice choice = chosen(tagJob("release/1.4", "release-1-4"), "1.4.0");
    assertEquals(List.of("1.4.0", "1a2b3c4d", "release-1-4"), target(choice).tags());
    assertTrue(choice.warnings().get(0).contains("CI_COMMIT_TAG release/1.4 holds '/'"),
        choice.warnings().toString());
  }

  @Test
  void beforeTheReleaseIsReadTheChoiceNamesTheRepositoryAndThePipelineTags() {
    GitlabDefaults.Choice early = GitlabDefaults.choose("", Optional.empty(), List.of(),
        branchJob("main", "main"), Optional.empty());
    assertEquals("group/project", target(early).image().getRepository());
    assertEquals(List.of("1a2b3c4d", "main", "latest"), early.tags());
  }

  @Test
  void tagsGivenReplaceTheDefaultsButKeepTheDefaultTarget() {
    GitlabDefaults.Choice choice = GitlabDefaults.choose("", Optional.empty(),
        List.of("stable"), branchJob("main", "main"), Optional.of("1.4.0"));
    assertEquals(PROJECT + ":stable", target(choice).display());
    assertEquals(List.of("stable"), target(choice).tags());
  }

  @Test
  void aTargetGivenReplacesTheDefaultTargetAndItsTags() {
    GitlabDefaults.Choice choice = GitlabDefaults.choose("other.example.com/app:1", Optional.empty(),
        List.of(), branchJob("main", "main"), Optional.of("1.4.0"));
    assertFalse(choice.chosen());
    assertEquals(List.of("1"), target(choice).tags());
    assertEquals("other.example.com", target(choice).image().getRegistry());
  }

  @Test
  void outsideGitlabCiNothingIsChosen() {
    Map<String, String> env = branchJob("main", "main");
    env.remove("GITLAB_CI");
    BadInputException e = assertThrows(BadInputException.class,
        () -> chosen(env, "1.4.0"));
    assertTrue(e.getMessage().startsWith("give the target with {to}"), e.getMessage());
    assertEquals(List.of("1"), GitlabDefaults.choose("tar:out.tar", Optional.empty(), List.of("1"),
        env, Optional.of("1.4.0")).target().tags(), "a local target as before");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  void aJobWithoutARegistryImageSaysSo(String value) {
    Map<String, String> env = branchJob("main", "main");
    env.put("CI_REGISTRY_IMAGE", value);
    BadInputException e = assertThrows(BadInputException.class, () -> chosen(env, "1.4.0"));
    assertEquals("no {to} given, and CI_REGISTRY_IMAGE is empty in this GitLab CI job (is the"
        + " project's container registry enabled?); give the target with {to}", e.getMessage());
  }

  @Test
  void anImageNameGoesBelowTheProjectsImage() {
    GitlabDefaults.Choice choice = GitlabDefaults.choose("", Optional.of("tools/worker"),
        List.of(), branchJob("main", "main"), Optional.of("2.0.0"));
    assertEquals("group/project/tools/worker", target(choice).image().getRepository());
    assertEquals(List.of("2.0.0", "1a2b3c4d", "main", "latest"), target(choice).tags());
  }

  @Test
  void anImageNameOfThreeSegmentsBreaksGitlabsRule() {
    BadInputException e = assertThrows(BadInputException.class, () -> GitlabDefaults.choose("",
        Optional.of("a/b/c"), List.of(), job(), Optional.of("1")));
    assertEquals("{image-name} a/b/c has 3 path segments; GitLab allows at most 2 below the"
        + " project's image ($CI_REGISTRY_IMAGE/a/b)", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Worker", "worker/", "/worker", "a//b", "-worker", "work er", "wörker"})
  void anImageNameMustBeLowerCasePathComponents(String name) {
    BadInputException e = assertThrows(BadInputException.class, () -> GitlabDefaults.choose("",
        Optional.of(name), List.of(), job(), Optional.of("1")));
    assertTrue(e.getMessage().startsWith("{image-name} " + name + " has "), e.getMessage());
    assertTrue(e.getMessage().contains("lower-case"), e.getMessage());
  }

  @Test
  void anEmptyImageNameSaysAVariableMayBeUnset() {
    BadInputException e = assertThrows(BadInputException.class, () -> GitlabDefaults.choose("",
        Optional.of(""), List.of(), job(), Optional.of("1")));
    assertTrue(e.getMessage().startsWith("{image-name} is empty (a CI variable that is not set"),
        e.getMessage());
  }

  @Test
  void anImageNameAndATargetTogetherSayWhichToDrop() {
    BadInputException e = assertThrows(BadInputException.class, () -> GitlabDefaults.choose(
        "registry.example.com/x", Optional.of("worker"), List.of(), job(), Optional.of("1")));
    assertEquals("give {to} or {image-name}, not both: drop {image-name} to push where {to}"
        + " says, or drop {to} to push to $CI_REGISTRY_IMAGE/worker", e.getMessage());
  }

  @Test
  void anImageNameOutsideGitlabCiNeedsTheRegistryImage() {
    BadInputException e = assertThrows(BadInputException.class, () -> GitlabDefaults.choose("",
        Optional.of("worker"), List.of(), Map.of(), Optional.of("1")));
    assertEquals("{image-name} worker names an image below $CI_REGISTRY_IMAGE, which is not set"
        + " outside a GitLab CI job; give the whole target with {to}", e.getMessage());
  }

  @Test
  void anImageNameWithTheRegistryImageSetWorksOutsideAJobToo() {
    GitlabDefaults.Choice choice = GitlabDefaults.choose("", Optional.of("worker"), List.of(),
        Map.of("CI_REGISTRY_IMAGE", PROJECT), Optional.of("1.0"));
    assertEquals(PROJECT + "/worker:1.0", target(choice).display());
  }

  @Test
  void aRegistryImageThatIsNoRepositorySaysSo() {
    Map<String, String> env = branchJob("main", "main");
    env.put("CI_REGISTRY_IMAGE", "Registry.example.com/Group/Project:tag");
    BadInputException e = assertThrows(BadInputException.class, () -> chosen(env, "1"));
    assertTrue(e.getMessage().startsWith("CI_REGISTRY_IMAGE Registry.example.com/Group/Project:tag"
        + " is not an image repository without tag"), e.getMessage());
  }

  @Test
  void anEmptyTagFromAnUnsetVariableSaysSo() {
    BadInputException e = assertThrows(BadInputException.class, () -> GitlabDefaults.choose("",
        Optional.empty(), List.of(""), job(), Optional.of("1")).target());
    assertEquals("{tag} \"\" is empty (a CI variable that is not set in this job, perhaps)",
        e.getMessage());
  }

  @Test
  void aJobTakesLayersFromItsCommitItsBranchItsDefaultBranchThenItsOtherTags() {
    Map<String, String> env = branchJob("feature/Login", "feature-login");
    Target target = Target.parse(PROJECT + ":0.1.0", List.of("1a2b3c4d", "feature-login"));

    assertEquals(List.of(PROJECT + ":1a2b3c4d", PROJECT + ":feature-login", PROJECT + ":main",
        PROJECT + ":latest", PROJECT + ":0.1.0"), GitlabDefaults.cacheFrom(target, env));
  }

  @Test
  void theDefaultBranchIsSluggedAsGitlabSlugsItsRefs() {
    Map<String, String> env = branchJob("main", "main");
    env.put("CI_DEFAULT_BRANCH", "Release/2024.x");
    Target target = Target.parse(PROJECT + ":latest", List.of());

    assertEquals(List.of(PROJECT + ":1a2b3c4d", PROJECT + ":main", PROJECT + ":release-2024-x",
        PROJECT + ":latest"), GitlabDefaults.cacheFrom(target, env));
    assertEquals("a".repeat(62), GitlabDefaults.slug("-" + "A".repeat(70)));
    assertEquals("x-y", GitlabDefaults.slug("__x__y__".replace("__", "_")));
  }

  @Test
  void noImagesAreTakenFromOutsideAJobOrForAFileTarget() {
    assertEquals(List.of(), GitlabDefaults.cacheFrom(Target.parse(PROJECT + ":1", List.of()),
        Map.of()));
    assertEquals(List.of(), GitlabDefaults.cacheFrom(Target.parse("oci:/tmp/layout", List.of()),
        job()));
  }
}
