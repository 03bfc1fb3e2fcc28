package dev.relpack.image;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the image goes ({@code --to}) and under which tags ({@code -t}). Tags: the one in the
 * reference if any, then every {@code -t}; {@code latest} only when neither names one.
 */
public sealed interface Target {
  Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  /** The tags the image gets, the first being the primary one. */
  List<String> tags();

  /** How to name the result in output ({@code registry/repo:tag}, {@code tar:PATH}, ...). */
  String display();

  /** A registry repository; {@code image} carries the primary tag. */
  record Registry(ImageReference image, List<String> tags) implements Target {
    @Override
    public String display() {
      return image.getRegistry() + "/" + image.getRepository() + ":" + tags.get(0);
    }
  }

  /** A {@code docker save} archive at {@code file}; its images are named after the release. */
  record DockerArchive(Path file, List<String> tags) implements Target {
    @Override
    public String display() {
      return "tar:" + file;
    }
  }

  /** An OCI image layout directory; each tag becomes a ref name in its index. */
  record OciLayout(Path dir, List<String> tags) implements Target {
    @Override
    public String display() {
      return "oci:" + dir;
    }
  }

  static Target parse(String to, List<String> extraTags) {
    if (to == null || to.isBlank()) {
      throw new BadInputException("--to is empty; give a registry reference, tar:PATH or oci:DIR");
    }
    extraTags.forEach(Target::checkTag);
    if (to.startsWith("tar:")) {
      return new DockerArchive(Path.of(path(to, "tar:")), tags(List.of(), extraTags));
    }
    if (to.startsWith("oci:")) {
      String rest = path(to, "oci:");
      int colon = rest.lastIndexOf(':');
      if (colon > rest.lastIndexOf('/') && colon > 0) {
        String ref = rest.substring(colon + 1);
        checkTag(ref);
        return new OciLayout(Path.of(rest.substring(0, colon)), tags(List.of(ref), extraTags));
      }
      return new OciLayout(Path.of(rest), tags(List.of(), extraTags));
    }
    ImageReference reference;
    try {
      reference = ImageReference.parse(to);
    } catch (InvalidImageReferenceException e) {
      throw new BadInputException("--to " + to + " is not an image reference (e.g."
          + " registry.example.com/group/app:1.0, lower-case), tar:PATH or oci:DIR");
    }
    if (reference.getDigest().isPresent()) {
      throw new BadInputException("--to " + to + " names a digest; push to a tag instead");
    }
    // jib fills in "latest" when the reference names no tag; only a tag the user wrote counts
    List<String> tags = tags(namesTag(to) ? reference.getTag().stream().toList() : List.of(),
        extraTags);
    return new Registry(ImageReference.of(reference.getRegistry(), reference.getRepository(),
        tags.get(0)), tags);
  }

  /** Fails now, before any work, if the target cannot be written. */
  default void checkWritable() {
    Path path = this instanceof DockerArchive a ? a.file() : this instanceof OciLayout o ? o.dir() : null;
    if (path == null) {
      return;
    }
    Path parent = path.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new BadInputException("--to " + display() + ": directory " + parent + " does not exist");
    }
    if (this instanceof DockerArchive && Files.isDirectory(path)) {
      throw new BadInputException("--to " + display() + " is a directory; name a file for the archive");
    }
    if (this instanceof OciLayout && Files.exists(path)) {
      if (!Files.isDirectory(path)) {
        throw new BadInputException("--to " + display() + " is a file; name a directory for the layout");
      }
      if (!Files.isRegularFile(path.resolve("oci-layout")) && !isEmpty(path)) {
        throw new BadInputException("--to " + display() + " exists and is not an OCI layout;"
            + " name a new or empty directory, or an existing layout");
      }
      Path index = path.resolve("index.json");
      if (Files.exists(index) && !isIndex(index)) {
        throw new BadInputException("--to " + display() + ": its index.json is not an OCI image"
            + " index; name a new or empty directory, or a valid layout");
      }
    }
  }

  /** Whether a reference names a tag: a ':' in its last path component, before any digest. */
  private static boolean namesTag(String reference) {
    String name = reference.contains("@") ? reference.substring(0, reference.indexOf('@')) : reference;
    return name.substring(name.lastIndexOf('/') + 1).contains(":");
  }

  private static boolean isIndex(Path file) {
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
      return json.isObject() && (json.path("manifests").isArray() || json.path("manifests").isMissingNode());
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> children = Files.list(dir)) {
      return children.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> tags(List<String> own, List<String> extra) {
    LinkedHashSet<String> tags = new LinkedHashSet<>(own);
    tags.addAll(extra);
    return tags.isEmpty() ? List.of("latest") : List.copyOf(new ArrayList<>(tags));
  }

  private static void checkTag(String tag) {
    if (!TAG.matcher(tag).matches()) {
      throw new BadInputException("tag " + tag + " is not valid: use letters, digits, '_', '.'"
          + " and '-', up to 128 characters, not starting with '.' or '-'");
    }
  }

  private static String path(String to, String prefix) {
    String path = to.substring(prefix.length());
    if (path.isEmpty()) {
      throw new BadInputException("--to " + to + " names no path after '" + prefix + "'");
    }
    return path;
  }

  /** A valid repository name made from a release name (lower-case, no odd characters). */
  static String repositoryName(String name) {
    String clean = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return clean.isEmpty() ? "image" : clean;
  }
}
