package dev.relpack.sbom;

import dev.relpack.error.BadInputException;
import dev.relpack.error.Input;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.Printable;
import java.util.Locale;

/** The forms an SBOM is written in, each with the media type that names it. */
public enum SbomFormat {
  /** CycloneDX 1.5 JSON, the default: what GitLab's dependency list reads. */
  CYCLONEDX("cyclonedx", MediaTypes.CYCLONEDX_JSON),
  /** SPDX 2.3 JSON. */
  SPDX("spdx", MediaTypes.SPDX_JSON);

  private final String key;
  private final String mediaType;

  SbomFormat(String key, String mediaType) {
    this.key = key;
    this.mediaType = mediaType;
  }

  /**
   * The format a user named.
   *
   * @param text {@code cyclonedx} or {@code spdx}, any case; null for the default
   * @throws BadInputException for any other name
   */
  public static SbomFormat parse(String text) {
    if (text == null) {
      return CYCLONEDX;
    }
    for (SbomFormat format : values()) {
      if (format.key.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return format;
      }
    }
    throw new BadInputException(Input.SBOM_FORMAT + " " + Printable.of(text)
        + ": give cyclonedx (CycloneDX 1.5 JSON) or spdx (SPDX 2.3 JSON)");
  }

  /** Its name as users give it. */
  public String key() {
    return key;
  }

  /** The media type of its JSON, for an artifact that carries it. */
  public String mediaType() {
    return mediaType;
  }

  /** The document, as bytes: the same SBOM always gives the same bytes. */
  public byte[] write(Sbom sbom) {
    return this == CYCLONEDX ? CycloneDxWriter.write(sbom) : SpdxWriter.write(sbom);
  }
}
