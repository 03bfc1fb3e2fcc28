package dev.relpack.engine;

import dev.relpack.sbom.ImageContents;
import dev.relpack.sbom.Sbom;
import dev.relpack.sbom.SbomBase;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * The SBOM of a build as far as its plan decides it: what the image holds (the release, its
 * Hex packages read from the project's mix.lock before any work, its native code) and its base
 * with the base's operating system and packages. The document itself waits for the image: its
 * serial number derives from the image digest.
 *
 * @param base the base as the SBOM names it; empty for scratch
 */
public record SbomPlan(ImageContents contents, Optional<SbomBase> base) {
  /** The SBOM of the image {@code digest}, dated by {@code environment} ({@code SOURCE_DATE_EPOCH}). */
  Sbom of(String digest, Map<String, String> environment) throws IOException {
    return contents.ofImage(digest, base, environment, ToolVersion.full());
  }
}
