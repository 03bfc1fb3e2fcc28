package dev.relpack.publish;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.relpack.error.BadInputException;
import dev.relpack.error.Input;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The target and tags relpack chooses itself, so a GitLab CI job needs no {@code --to}: the
 * project's registry image ({@code $CI_REGISTRY_IMAGE}, or an image below it named by {@code
 * --image-name}), tagged as the pipeline says. GitLab's variables are read from the environment
 * the front end passed, never from this process's own. What the user names wins: {@code --to}
 * replaces the default target and its tags, {@code -t} the default tags.
 *
 * <p>The default tags, in this order, each once:
 * <ol>
 *   <li>the release version (not on merge-request pipelines), with {@code +} written {@code _}
 *       as Helm does for OCI tags ({@code 1.0.0+build.5} becomes {@code 1.0.0_build.5}); a
 *       version that is still no valid tag is left out with a warning;
 *   <li>{@code $CI_COMMIT_SHORT_SHA};
 *   <li>{@code $CI_COMMIT_TAG} on tag pipelines ({@code $CI_COMMIT_REF_SLUG} in its place, with a
 *       warning, if the git tag is no valid image tag);
 *   <li>{@code $CI_COMMIT_REF_SLUG} on branch and merge-request pipelines;
 *   <li>{@code latest} when {@code $CI_COMMIT_BRANCH} is {@code $CI_DEFAULT_BRANCH}.
 * </ol>
 */
public final class GitlabDefaults {
  /** GitLab allows at most this many path segments below a project's registry image. */
  public static final int MAX_IMAGE_NAME_SEGMENTS = 2;

  /**
   * The target relpack writes to and its tags, and what the user should hear about them.
   *
   * @param to a target as {@link Target#parse} reads it
   * @param tags the tags beside any in {@code to}
   * @param chosen whether relpack chose the target (no {@code --to} was given)
   * @param warnings a default tag left out or replaced, and why
   */
  public record Choice(String to, List<String> tags, boolean chosen, List<String> warnings) {
    public Choice {
      tags = List.copyOf(tags);
      warnings = List.copyOf(warnings);
    }

    /** The target, its tags checked. */
    public Target target() {
      return Target.parse(to, tags);
    }
  }

  private GitlabDefaults() {}

  /**
   * The target and tags of a build.
   *
   * @param to the target the user gave; empty for none
   * @param imageName the image below {@code $CI_REGISTRY_IMAGE} the user named, if any
   * @param tags the tags the user gave; they replace the default tags
   * @param env the job's environment, as the front end passed it
   * @param version the release's version, once the release is read; before that, the choice
   *     names the right registry and repository but not every tag
   * @throws BadInputException when the target cannot be chosen or is named twice
   */
  public static Choice choose(String to, Optional<String> imageName, List<String> tags,
      Map<String, String> env, Optional<String> version) {
    boolean gitlab = "true".equals(env.get("GITLAB_CI"));
    Optional<String> projectImage = variable(env, "CI_REGISTRY_IMAGE");
    String target;
    if (imageName.isPresent()) {
      if (!to.isEmpty()) {
        throw new BadInputException("give " + Input.TO + " or " + Input.IMAGE_NAME + ", not both:"
            + " drop " + Input.IMAGE_NAME + " to push where " + Input.TO + " says, or drop "
            + Input.TO + " to push to $CI_REGISTRY_IMAGE/" + imageName.get());
      }
      String name = checkedImageName(imageName.get());
      target = projectImage.orElseThrow(() -> new BadInputException(Input.IMAGE_NAME + " "
          + name + " names an image below $CI_REGISTRY_IMAGE, which "
          + (gitlab ? "is empty in this job (is the project's container registry enabled?)"
              : "is not set outside a GitLab CI job")
          + "; give the whole target with " + Input.TO)) + "/" + name;
    } else if (to.isEmpty()) {
      if (!gitlab) {
        throw new BadInputException("give the target with " + Input.TO + ": a registry"
            + " reference, tar:PATH or oci:DIR (in a GitLab CI job it is $CI_REGISTRY_IMAGE)");
      }
      target = projectImage.orElseThrow(() -> new BadInputException("no " + Input.TO + " given,"
          + " and CI_REGISTRY_IMAGE is empty in this GitLab CI job (is the project's container"
          + " registry enabled?); give the target with " + Input.TO));
    } else {
      return new Choice(to, tags, false, List.of());
    }
    checkProjectImage(projectImage.orElseThrow(), target);
    if (!tags.isEmpty()) {
      return new Choice(target, tags, true, List.of());
    }
    List<String> warnings = new ArrayList<>();
    return new Choice(target, defaultTags(env, version, warnings), true, warnings);
  }

  /** The default tags, in the order the class comment gives. */
  static List<String> defaultTags(Map<String, String> env, Optional<String> version,
      List<String> warnings) {
    LinkedHashSet<String> tags = new LinkedHashSet<>();
    Optional<String> branch = variable(env, "CI_COMMIT_BRANCH");
    Optional<String> gitTag = variable(env, "CI_COMMIT_TAG");
    Optional<String> slug = variable(env, "CI_COMMIT_REF_SLUG");
    boolean mergeRequest = variable(env, "CI_MERGE_REQUEST_IID").isPresent() && branch.isEmpty();
    if (!mergeRequest) {
      version.flatMap(v -> versionTag(v, warnings)).ifPresent(tags::add);
    }
    variable(env, "CI_COMMIT_SHORT_SHA").ifPresent(tags::add);
    if (gitTag.isPresent()) {
      Optional<String> problem = ImageNames.tagProblem(gitTag.get());
      if (problem.isEmpty()) {
        tags.add(gitTag.get());
      } else {
        slug.ifPresent(tags::add);
        warnings.add("CI_COMMIT_TAG " + gitTag.get() + " " + problem.get() + "; tagged "
            + slug.map(s -> "CI_COMMIT_REF_SLUG " + s + " in its place").orElse("nothing in its"
                + " place"));
      }
    } else if (branch.isPresent() || mergeRequest) {
      slug.ifPresent(tags::add);
    }
    if (branch.isPresent() && branch.equals(variable(env, "CI_DEFAULT_BRANCH"))) {
      tags.add("latest");
    }
    return List.copyOf(tags);
  }

  /**
   * The images a GitLab CI job takes unchanged layers from when none are named, all in the
   * target's repository, the likeliest to be nearest first: the commit's own (a job run again),
   * the ref's (the branch's previous pipeline), the default branch's and {@code latest} (what a
   * new branch starts from), then the target's other tags (the version, pushed by whichever
   * branch built it last). None outside a job or for a target that is not a registry.
   *
   * @param target the target, with its tags
   */
  public static List<String> cacheFrom(Target target, Map<String, String> env) {
    if (!"true".equals(env.get("GITLAB_CI")) || target.registryImage().isEmpty()) {
      return List.of();
    }
    ImageReference image = target.registryImage().get();
    String repository = image.getRegistry() + "/" + image.getRepository();
    LinkedHashSet<String> tags = new LinkedHashSet<>();
    variable(env, "CI_COMMIT_SHORT_SHA").ifPresent(tags::add);
    variable(env, "CI_COMMIT_REF_SLUG").ifPresent(tags::add);
    variable(env, "CI_DEFAULT_BRANCH").map(GitlabDefaults::slug).filter(s -> !s.isEmpty())
        .ifPresent(tags::add);
    tags.add("latest");
    tags.addAll(target.tags());
    return tags.stream().filter(tag -> ImageNames.tagProblem(tag).isEmpty())
        .map(tag -> repository + ":" + tag).toList();
  }

  /**
   * A ref name as GitLab slugs it for {@code CI_COMMIT_REF_SLUG}: lower case, every character
   * but a-z and 0-9 replaced with '-', at most 63 characters, no '-' at either end.
   */
  static String slug(String ref) {
    String slug = ref.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "-");
    slug = slug.substring(0, Math.min(slug.length(), 63));
    return slug.replaceAll("^-+|-+$", "");
  }

  /** The release version as a tag: '+' (semver build metadata) written '_', as Helm does. */
  static Optional<String> versionTag(String version, List<String> warnings) {
    String tag = version.replace('+', '_');
    Optional<String> problem = ImageNames.tagProblem(tag);
    if (problem.isPresent()) {
      warnings.add("the release version " + version + " is not tagged: as a tag it "
          + problem.get());
      return Optional.empty();
    }
    return Optional.of(tag);
  }

  private static String checkedImageName(String name) {
    if (name.isEmpty()) {
      throw new BadInputException(Input.IMAGE_NAME + " is empty (a CI variable that is not set"
          + " in this job, perhaps); name an image below $CI_REGISTRY_IMAGE, such as worker");
    }
    ImageNames.pathProblem(name).ifPresent(problem -> {
      throw new BadInputException(Input.IMAGE_NAME + " " + name + " " + problem);
    });
    int segments = name.split("/").length;
    if (segments > MAX_IMAGE_NAME_SEGMENTS) {
      throw new BadInputException(Input.IMAGE_NAME + " " + name + " has " + segments + " path"
          + " segments; GitLab allows at most " + MAX_IMAGE_NAME_SEGMENTS + " below the project's"
          + " image ($CI_REGISTRY_IMAGE/a/b)");
    }
    return name;
  }

  private static void checkProjectImage(String projectImage, String target) {
    try {
      ImageReference reference = ImageReference.parse(target);
      if (reference.getDigest().isEmpty() && !target.substring(target.lastIndexOf('/') + 1)
          .contains(":")) {
        return;
      }
    } catch (InvalidImageReferenceException e) {
      // said below
    }
    throw new BadInputException("CI_REGISTRY_IMAGE " + projectImage + " is not an image"
        + " repository without tag (registry.example.com/group/project); set it so, or give "
        + Input.TO);
  }

  private static Optional<String> variable(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
  }
}
