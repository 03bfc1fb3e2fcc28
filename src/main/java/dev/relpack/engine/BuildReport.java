package dev.relpack.engine;

import dev.relpack.base.BaseImage;
import dev.relpack.image.ImageResult;
import dev.relpack.publish.Target;
import dev.relpack.layers.LayerPlan;
import dev.relpack.release.Release;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything a build did, for the summary and the metadata file.
 *
 * @param elapsed the whole build, the release step included
 * @param releaseStep how long mix or rebar3 took, when relpack ran it
 * @param sbomReferrer the digest of the artifact manifest that attaches the image's SBOM to it,
 *     when one was attached
 */
public record BuildReport(Release release, LayerPlan plan, BaseImage base, Target target,
    ImageResult image, Duration elapsed, Optional<Duration> releaseStep,
    Optional<String> sbomReferrer) {

  /** The image by digest, e.g. {@code reg.example.com/g/app@sha256:...}, or the local target. */
  public String reference() {
    return target.reference(image.digest());
  }
}
