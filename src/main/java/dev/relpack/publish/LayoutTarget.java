package dev.relpack.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import dev.relpack.error.BadInputException;
import dev.relpack.format.ConfigRewrite;
import dev.relpack.format.referrers.ArtifactManifest;
import dev.relpack.format.ocilayout.OciLayoutNames;
import dev.relpack.format.ocilayout.OciLayoutWriter;
import dev.relpack.io.ExclusiveLock;
import dev.relpack.io.Sha256;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An OCI image layout directory, created or added to; each tag becomes a ref name in its index.
 * jib writes an OCI layout inside a tar; relpack unpacks it into the directory (see
 * {@link OciLayoutWriter}).
 */
public record LayoutTarget(Path dir, List<String> tags) implements Target {
  public LayoutTarget {
    tags = List.copyOf(tags);
  }

  @Override
  public String display() {
    return "oci:" + dir;
  }

  @Override
  public void checkWritable() {
    Target.requireParentDirectory(dir, display());
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new BadInputException("{to} " + display() + " is a file; name a directory for the layout");
    }
    if (!Files.isRegularFile(dir.resolve(OciLayoutNames.MARKER)) && !isEmpty(dir)) {
      throw new BadInputException("{to} " + display() + " exists and is not an OCI layout;"
          + " name a new or empty directory, or an existing layout");
    }
    Path index = dir.resolve(OciLayoutNames.INDEX);
    if (Files.exists(index) && !isIndex(index)) {
      throw new BadInputException("{to} " + display() + ": its index.json is not an OCI image"
          + " index; name a new or empty directory, or a valid layout");
    }
    Target.requireWritable(dir, display());
  }

  @Override
  public TargetSession.Written write(JibContainerBuilder jib, TargetSession session)
      throws Exception {
    Files.createDirectories(session.staging());
    Path tmp = session.staging().resolve("oci-" + UUID.randomUUID() + ".tar");
    try {
      ImageReference name = ImageReference.of(null, "relpack", tags.get(0));
      JibContainer container = jib.containerize(
          session.configure(Containerizer.to(TarImage.at(tmp).named(name))));
      session.requireWanted();
      Files.createDirectories(dir);
      JsonNode manifest = OciLayoutWriter.add(tmp, dir, tags, indexTurn(session),
          session.listener()::warn, config -> ConfigRewrite.authors(config, session.addedLayers()),
          session.annotations());
      Path manifestBlob = OciLayoutNames.blob(dir, manifest.path("digest").asText());
      JsonNode written = new ObjectMapper().readTree(manifestBlob.toFile());
      List<TargetSession.Blob> layers = new ArrayList<>();
      for (JsonNode layer : written.path("layers")) {
        layers.add(new TargetSession.Blob(layer.path("digest").asText(), layer.path("size").asLong()));
      }
      return new TargetSession.Written(manifest.path("digest").asText(),
          written.path("config").path("digest").asText(), layers);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Points {@code tags} at a manifest or index the layout's blobs already hold, checked against
   * its digest first; its media type is its own.
   */
  @Override
  public void tag(String digest, List<String> tags, TargetAccess access) throws IOException {
    ArtifactManifest.Descriptor manifest = held(digest, "to tag");
    ObjectNode descriptor = new ObjectMapper().createObjectNode()
        .put("mediaType", manifest.mediaType()).put("digest", digest).put("size", manifest.size());
    try (Closeable mine = indexTurn(access).take()) {
      OciLayoutWriter.writeIndex(dir, descriptor, tags);
    }
  }

  /**
   * Writes the empty config, the artifact and its manifest into the layout's blobs, and lists
   * the manifest in index.json without a ref name: tools that look for referrers in a layout
   * (oras) read index.json for manifests whose {@code subject} is the image. The image's entries
   * and any other referrers stay.
   */
  @Override
  public Optional<String> attach(String subjectDigest, Attachment attachment,
      TargetAccess access) throws IOException {
    ArtifactManifest manifest = ArtifactManifest.of(attachment.artifactType(),
        attachment.mediaType(), attachment.content(), held(subjectDigest, "to attach to"));
    Consumer<String> warn = access.listener()::warn;
    // blobs first, the index last: a reader never finds an entry whose blobs are missing
    OciLayoutWriter.addBlob(dir, ArtifactManifest.emptyContent(), warn);
    OciLayoutWriter.addBlob(dir, attachment.content(), warn);
    OciLayoutWriter.addBlob(dir, manifest.bytes(), warn);
    try (Closeable mine = indexTurn(access).take()) {
      OciLayoutWriter.addReferrer(dir, manifest.referrer());
    }
    return Optional.of(manifest.descriptor().digest());
  }

  /**
   * The descriptor of a manifest or index the layout holds intact, with its own media type.
   *
   * @param purpose what it is wanted for, for the message when it is not there
   */
  private ArtifactManifest.Descriptor held(String digest, String purpose) throws IOException {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    Path blob = OciLayoutNames.blob(dir, digest);
    if (!Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS) || !Sha256.of(blob).equals(
        digest.substring("sha256:".length()))) {
      throw new BadInputException(display() + " holds no intact manifest " + digest + " "
          + purpose);
    }
    JsonNode manifest = new ObjectMapper().readTree(blob.toFile());
    String mediaType = manifest == null ? "" : manifest.path("mediaType").asText("");
    if (mediaType.isEmpty()) {
      throw new BadInputException(display() + ": blob " + digest + " is not a manifest or index"
          + " with a media type: nothing " + purpose);
    }
    return new ArtifactManifest.Descriptor(mediaType, digest, Files.size(blob));
  }

  /**
   * index.json is read, changed and replaced: builds adding to one layout take turns, or a tag
   * one of them wrote could be lost.
   */
  private OciLayoutWriter.IndexTurn indexTurn(TargetAccess access) throws IOException {
    Path lock = access.locks().resolve("layout-" + Sha256.of(dir.toRealPath().toString()) + ".lock");
    return () -> ExclusiveLock.acquire(lock,
        () -> access.listener().warn("waiting for another build writing " + display()));
  }

  private static boolean isIndex(Path file) {
    try {
      JsonNode json = new ObjectMapper().readTree(file.toFile());
      return json.isObject()
          && (json.path("manifests").isArray() || json.path("manifests").isMissingNode());
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isEmpty(Path directory) {
    try (Stream<Path> children = Files.list(directory)) {
      return children.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }
}
