package dev.relpack.format.referrers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.error.InternalException;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * An artifact that refers to an image, as OCI image spec 1.1 shapes one: an image manifest with
 * an {@code artifactType}, the empty descriptor as its config, the artifact as its one layer and
 * the image as its {@code subject}. A registry's referrers API, the referrers tag schema and an
 * OCI layout all list it by that subject. Its bytes depend on nothing but the artifact and the
 * image (no time, no annotations), so attaching the same artifact again names the same manifest.
 *
 * @param artifactType what the artifact is ({@code application/vnd.cyclonedx+json})
 * @param layer the artifact's blob
 * @param subject the manifest (image or index) it refers to
 */
public record ArtifactManifest(String artifactType, Descriptor layer, Descriptor subject) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The content of the empty descriptor: {@code {}}, 2 bytes. */
  private static final byte[] EMPTY_CONTENT = "{}".getBytes(StandardCharsets.US_ASCII);

  /** The config of every artifact manifest relpack writes. */
  public static final Descriptor EMPTY = Descriptor.of(MediaTypes.OCI_EMPTY, EMPTY_CONTENT);

  /**
   * A blob as a manifest points at it.
   *
   * @param mediaType what the blob is
   * @param digest {@code sha256:...}
   * @param size its length in bytes
   */
  public record Descriptor(String mediaType, String digest, long size) {
    /** The descriptor of {@code content} as {@code mediaType}. */
    public static Descriptor of(String mediaType, byte[] content) {
      return new Descriptor(mediaType, "sha256:" + Sha256.of(content), content.length);
    }

    ObjectNode json() {
      return JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest)
          .put("size", size);
    }
  }

  public ArtifactManifest {
    if (artifactType == null || artifactType.isBlank()) {
      throw new IllegalArgumentException("an artifact needs an artifactType");
    }
  }

  /** The bytes of the empty descriptor's blob, which a store must hold beside the manifest. */
  public static byte[] emptyContent() {
    return EMPTY_CONTENT.clone();
  }

  /** The manifest of {@code content}, a blob of {@code mediaType}, referring to {@code subject}. */
  public static ArtifactManifest of(String artifactType, String mediaType, byte[] content,
      Descriptor subject) {
    return new ArtifactManifest(artifactType, Descriptor.of(mediaType, content), subject);
  }

  /** The manifest as stored: compact JSON, its fields always in the same order. */
  public byte[] bytes() {
    ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", MediaTypes.OCI_MANIFEST).put("artifactType", artifactType);
    manifest.set("config", EMPTY.json());
    manifest.putArray("layers").add(layer.json());
    manifest.set("subject", subject.json());
    try {
      return JSON.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new InternalException("cannot write an artifact manifest", e);
    }
  }

  /** The manifest's own descriptor. */
  public Descriptor descriptor() {
    return Descriptor.of(MediaTypes.OCI_MANIFEST, bytes());
  }

  /**
   * How a list of referrers names this manifest: its descriptor with its {@code artifactType}
   * (the distribution spec asks for that, and for the manifest's annotations, of which it has
   * none).
   */
  public ObjectNode referrer() {
    return descriptor().json().put("artifactType", artifactType);
  }
}
