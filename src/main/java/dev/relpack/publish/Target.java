package dev.relpack.publish;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.relpack.format.ocilayout.LayoutReference;
import dev.relpack.error.BadInputException;
import dev.relpack.io.WritableDirectory;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.RegistryReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * Where the image goes ({@code --to}) and under which tags ({@code -t}): a registry, a
 * docker-archive or an OCI layout, one class each. Tags: the one in the reference if any, then
 * every {@code -t}; {@code latest} only when neither names one.
 */
public sealed interface Target permits RegistryTarget, ArchiveTarget, LayoutTarget {
  Pattern TAG = ImageNames.TAG;

  /** The tags the image gets, the first being the primary one. */
  List<String> tags();

  /** How to name the target in output ({@code registry/repo:tag}, {@code tar:PATH}, ...). */
  String display();

  /** The image by digest, as a user pulls or finds it. */
  default String reference(String digest) {
    return display() + "@" + digest;
  }

  /** The registry image this target pushes to, if it is a registry. */
  default Optional<ImageReference> registryImage() {
    return Optional.empty();
  }

  /** Fails now, before any work, if the target cannot be written. */
  void checkWritable();

  /** The manifest format: OCI, but Docker's for docker-archives. */
  default ImageFormat format() {
    return ImageFormat.OCI;
  }

  /** Writes (or pushes) the image jib builds; whole or not at all. */
  TargetSession.Written write(JibContainerBuilder jib, TargetSession session) throws Exception;

  /**
   * The image {@code digest} this target holds, read to be written again ({@link #revise}): its
   * manifest and config ({@link ConfigReplacer#read}). Only a registry can; the others answer
   * empty, and the image is built.
   */
  default Optional<ConfigReplacer.Pushed> read(String digest, TargetAccess access) {
    return Optional.empty();
  }

  /**
   * Writes, without jib, {@code revision}: the image {@code previous} (which this target holds)
   * with {@code top} as its top layers, as {@link #revision} worked it out, under this target's
   * tags ({@link ConfigReplacer#revise}). Only a registry can; the others answer empty, and the
   * image is built.
   *
   * @param previous the image, as {@link #read} read it
   */
  default Optional<ConfigReplacer.Revised> revise(ConfigReplacer.Pushed previous,
      ConfigReplacer.Written revision, List<ConfigReplacer.TopLayer> top, TargetAccess access) {
    return Optional.empty();
  }

  /**
   * Writes, without jib, {@code written} (the config and manifest jib would push,
   * {@code PredictedImage}) as a new image of this target: its base layers mounted from
   * {@code baseRepository} of the same registry, {@code top} uploaded where the registry lacks
   * them ({@link ConfigReplacer#writeNew}). Only a registry can; the others answer empty, as a
   * registry does when it will not mount a base layer, and the image is built.
   */
  default Optional<ConfigReplacer.Revised> writeNew(ImageReference baseRepository,
      ConfigReplacer.Written written, List<ConfigReplacer.TopLayer> top, TargetAccess access) {
    return Optional.empty();
  }

  /**
   * Whether the artifact {@code referrer}, attached to {@code subjectDigest} before, is still
   * there and listed by it ({@code ReferrerAttacher#listed}); false where {@link #attach} does
   * nothing or cannot tell.
   */
  default boolean attached(String subjectDigest, String referrer, TargetAccess access) {
    return false;
  }

  /**
   * The config and manifest of {@code previous} with {@code top} on its {@code baseLayers} base
   * layers ({@link ConfigReplacer#revision}), for {@link #revise} to write; empty where
   * {@link #revise} is.
   *
   * @param added how many layers relpack put on the base, as {@link TargetSession#addedLayers}
   */
  default Optional<ConfigReplacer.Written> revision(ConfigReplacer.Pushed previous,
      int baseLayers, List<ConfigReplacer.TopLayer> top, int added,
      Map<String, String> annotations) {
    return Optional.empty();
  }

  /**
   * The config {@link #revise} would write from {@code previous} for top layers of these diff
   * IDs ({@link ConfigReplacer#revisedConfig}), without writing anything; empty where
   * {@link #revise} is.
   */
  default Optional<byte[]> revisedConfig(ConfigReplacer.Pushed previous, int baseLayers,
      List<String> topDiffIds, int added) {
    return Optional.empty();
  }

  /**
   * Gives an image or index this target already holds ({@code digest}) each of {@code tags}, so
   * an image can be pushed by digest and then tagged, or an index of several tagged once its
   * images are in. A registry and an OCI layout can; a docker-archive holds one image, named
   * when it is written, and cannot.
   *
   * @param digest the manifest or index, {@code sha256:...}
   * @param tags valid tags ({@link #TAG}); a tag the target has already moves to {@code digest}
   * @param access the credentials, registries and locks of the build
   * @throws UnsupportedOperationException for a docker-archive
   */
  default void tag(String digest, List<String> tags, TargetAccess access) throws Exception {
    throw new UnsupportedOperationException(display() + " cannot be given tags after it is"
        + " written");
  }

  /**
   * Puts {@code attachment} next to the image or index {@code subjectDigest} this target already
   * holds, as an OCI 1.1 referrer: an artifact manifest whose {@code subject} is that manifest,
   * listed where clients look for referrers (a registry's referrers API or its referrers tag
   * {@code sha256-<hex>}; a layout's {@code index.json}), beside any referrers already there.
   * Attaching the same bytes again adds nothing.
   *
   * @param subjectDigest the manifest or index, {@code sha256:...}, as {@link #write} returned it
   * @param access the credentials, registries and locks of the build
   * @return the artifact manifest's digest; empty when the target cannot hold one (a
   *     docker-archive), in which case nothing was written
   */
  Optional<String> attach(String subjectDigest, Attachment attachment, TargetAccess access)
      throws Exception;

  /**
   * As {@link #attach}, to an image whose manifest {@code subject} is being written to this
   * target as this runs ({@link #revise}, {@link #writeNew}): what does not need the subject in
   * place is sent meanwhile, then this waits for {@code written} and puts the artifact's manifest
   * only once the subject is written. Only a registry can; the others answer empty at once.
   *
   * @param subject the manifest being written: its digest, size and media type
   * @param written waits for the image's writing to end; true when {@code subject} was written
   * @return the artifact manifest's digest; empty, with no manifest put, when {@code written}
   *     answered false or this target cannot attach so
   */
  default Optional<String> attachOnceWritten(RegistryReader.Descriptor subject,
      Callable<Boolean> written, Attachment attachment, TargetAccess access) {
    return Optional.empty();
  }

  /** Whether {@link #attach} can put anything here: a docker-archive holds one image and no more. */
  default boolean holdsReferrers() {
    return true;
  }

  static Target parse(String to, List<String> extraTags) {
    if (to == null || to.isBlank()) {
      throw new BadInputException("{to} is empty; give a registry reference, tar:PATH or oci:DIR");
    }
    extraTags.forEach(Target::checkTag);
    if (to.startsWith("tar:")) {
      String path = to.substring("tar:".length());
      if (path.isEmpty()) {
        throw new BadInputException("{to} " + to + " names no path after 'tar:'");
      }
      return new ArchiveTarget(Path.of(path), tags(List.of(), extraTags));
    }
    if (to.startsWith("oci:")) {
      LayoutReference layout = LayoutReference.parse(to.substring("oci:".length()), "{to}");
      layout.ref().ifPresent(Target::checkTag);
      return new LayoutTarget(layout.dir(), tags(layout.ref().stream().toList(), extraTags));
    }
    ImageReference reference;
    try {
      reference = ImageReference.parse(to);
    } catch (InvalidImageReferenceException e) {
      throw new BadInputException(referenceProblem(to).map(p -> "{to} " + to + ": " + p)
          .orElse("{to} " + to + " is not an image reference (e.g."
              + " registry.example.com/group/app:1.0, lower-case), tar:PATH or oci:DIR"));
    }
    if (reference.getDigest().isPresent()) {
      throw new BadInputException("{to} " + to + " names a digest; push to a tag instead");
    }
    // jib fills in "latest" when the reference names no tag; only a tag the user wrote counts
    List<String> tags = tags(namesTag(to) ? reference.getTag().stream().toList() : List.of(),
        extraTags);
    return new RegistryTarget(ImageReference.of(reference.getRegistry(), reference.getRepository(),
        tags.get(0)), tags);
  }

  /** Fails unless the directory {@code path} is to be written in exists and can be written. */
  static void requireParentDirectory(Path path, String display) {
    Path parent = path.toAbsolutePath().getParent();
    if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
      throw new BadInputException("{to} " + display + ": directory " + parent + " does not exist");
    }
    requireWritable(parent, display);
  }

  /** Fails unless files can be written in {@code dir}. */
  static void requireWritable(Path dir, String display) {
    WritableDirectory.problem(dir, false).ifPresent(problem -> {
      throw new BadInputException("{to} " + display + ": cannot write in " + dir + " ("
          + problem + "); name a directory you can write");
    });
  }

  /** A valid repository name made from a release name (lower-case, no odd characters). */
  static String repositoryName(String name) {
    String clean = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return clean.isEmpty() ? "image" : clean;
  }

  /** Whether a reference names a tag: a ':' in its last path component, before any digest. */
  private static boolean namesTag(String reference) {
    String name = reference.contains("@") ? reference.substring(0, reference.indexOf('@')) : reference;
    return name.substring(name.lastIndexOf('/') + 1).contains(":");
  }

  private static List<String> tags(List<String> own, List<String> extra) {
    LinkedHashSet<String> tags = new LinkedHashSet<>(own);
    tags.addAll(extra);
    return tags.isEmpty() ? List.of("latest") : List.copyOf(new ArrayList<>(tags));
  }

  private static void checkTag(String tag) {
    ImageNames.tagProblem(tag).ifPresent(problem -> {
      throw new BadInputException("{tag} " + (tag.isEmpty() ? "\"\"" : tag) + " " + problem);
    });
  }

  /**
   * Which part of a reference jib refused, and why: the tag, or the repository path (the part
   * after a registry host, which has a '.' or ':' or is localhost).
   */
  private static Optional<String> referenceProblem(String reference) {
    String name = reference.contains("@") ? reference.substring(0, reference.indexOf('@'))
        : reference;
    int slash = name.lastIndexOf('/');
    int colon = name.indexOf(':', slash + 1);
    if (colon >= 0) {
      String tag = name.substring(colon + 1);
      Optional<String> tagProblem = ImageNames.tagProblem(tag);
      if (tagProblem.isPresent()) {
        return Optional.of("the tag " + (tag.isEmpty() ? "after ':'" : tag) + " "
            + tagProblem.get());
      }
      name = name.substring(0, colon);
    }
    int first = name.indexOf('/');
    String host = first < 0 ? "" : name.substring(0, first);
    String path = host.contains(".") || host.contains(":") || host.equals("localhost")
        ? name.substring(first + 1) : name;
    return ImageNames.pathProblem(path).map(p -> "the repository " + path + " " + p);
  }
}
