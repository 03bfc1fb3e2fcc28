package dev.relpack.publish;

import dev.relpack.format.MediaTypes;
import java.util.Arrays;

/**
 * An artifact to put next to an image, as an OCI 1.1 referrer ({@link Target#attach}): an SBOM.
 *
 * @param artifactType what the artifact is, the artifact manifest's {@code artifactType}
 * @param mediaType the media type of {@code content}
 * @param content its bytes
 */
public record Attachment(String artifactType, String mediaType, byte[] content) {
  /** The media type (and artifact type) of a CycloneDX JSON document. */
  public static final String CYCLONEDX_JSON = MediaTypes.CYCLONEDX_JSON;
  /** The media type (and artifact type) of an SPDX JSON document. */
  public static final String SPDX_JSON = MediaTypes.SPDX_JSON;

  public Attachment {
    if (artifactType == null || artifactType.isBlank() || mediaType == null
        || mediaType.isBlank()) {
      throw new IllegalArgumentException("an attachment needs an artifact type and a media type");
    }
    content = content.clone();
  }

  /** A CycloneDX JSON SBOM. */
  public static Attachment cycloneDx(byte[] json) {
    return new Attachment(CYCLONEDX_JSON, CYCLONEDX_JSON, json);
  }

  /** An SPDX JSON SBOM. */
  public static Attachment spdx(byte[] json) {
    return new Attachment(SPDX_JSON, SPDX_JSON, json);
  }

  @Override
  public byte[] content() {
    return content.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Attachment that && artifactType.equals(that.artifactType)
        && mediaType.equals(that.mediaType) && Arrays.equals(content, that.content);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * artifactType.hashCode() + mediaType.hashCode()) + Arrays.hashCode(content);
  }

  /** Not the content: it can be megabytes. */
  @Override
  public String toString() {
    return "Attachment[" + artifactType + ", " + mediaType + ", " + content.length + " bytes]";
  }
}
