package dev.relpack.engine;

import dev.relpack.error.RegistryException;
import dev.relpack.error.RelpackException;
import dev.relpack.publish.Attachment;
import dev.relpack.publish.Target;
import dev.relpack.publish.TargetAccess;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryReader;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The SBOM attached while the image it describes is written, when relpack writes the image
 * itself ({@link ImageRevision}): once the manifest is known, before its blobs are sent, the
 * SBOM (whose serial number comes from the image's digest) is made and its blobs uploaded beside
 * the image's own requests, and its manifest is put once the image is in. After the image a
 * one-module change of the demo then waits for that PUT and the referrers list, not for making
 * the SBOM and four rounds of requests as well. Anything but the announced image being written,
 * or a failure here, leaves the SBOM to be made and attached after the image as before.
 */
final class SbomAhead {
  /** The SBOM and the digest of the artifact manifest attaching it. */
  record Attached(byte[] document, String referrer) {}

  /** An attaching started for the manifest {@code digest}. */
  private record Started(String digest, RegistryDeadline phase,
      Future<Optional<Attached>> attached) {}

  private final Target target;
  private final Supplier<RegistryDeadline> phases;
  private final TargetAccess access;
  private final Function<String, byte[]> document;
  private final String mediaType;
  private final Reporter reporter;
  private final boolean attaches;
  /** The digest of the image the build wrote, or "" when it wrote none. */
  private final CompletableFuture<String> written = new CompletableFuture<>();
  /** Set on a registry phase's thread as the image is written, read after it is. */
  private volatile Started started;

  /**
   * @param phases a registry phase of its own for the attaching, limited as the image's
   * @param document the SBOM of the image of a digest
   * @param mediaType the SBOM's media type, also its artifact type
   * @param attaches whether the build attaches an SBOM to this target: else nothing starts
   */
  SbomAhead(Target target, Supplier<RegistryDeadline> phases, TargetAccess access,
      Function<String, byte[]> document, String mediaType, Reporter reporter,
      boolean attaches) {
    this.target = target;
    this.phases = phases;
    this.access = access;
    this.document = document;
    this.mediaType = mediaType;
    this.reporter = reporter;
    this.attaches = attaches;
  }

  /**
   * Starts attaching the SBOM to {@code manifest}, about to be written; only the first manifest
   * a build announces (a build that falls back to jib may announce another).
   */
  void writing(RegistryReader.Descriptor manifest) {
    if (!attaches || started != null) {
      return;
    }
    RegistryDeadline phase = phases.get();
    started = new Started(manifest.digest(), phase, phase.start(() -> {
      byte[] sbom = document.apply(manifest.digest());
      return target.attachOnceWritten(manifest, () -> manifest.digest().equals(written.get()),
          new Attachment(mediaType, mediaType, sbom), access)
          .map(referrer -> new Attached(sbom, referrer));
    }));
  }

  /**
   * The SBOM attached to the image {@code digest} the build wrote, when that is the image the
   * attaching was started for and it went through; else empty, and the build makes and attaches
   * it itself.
   *
   * @throws RegistryException when the registry did not answer within the phase's time: trying
   *     again would only wait as long again
   */
  Optional<Attached> result(String digest) {
    written.complete(digest);
    Started attaching = started;
    if (attaching == null || !attaching.digest().equals(digest)) {
      return Optional.empty();
    }
    try {
      return attaching.phase().await("attaching the SBOM to " + target.reference(digest),
          attaching.attached());
    } catch (RelpackException e) {
      if (attaching.phase().expired()) {
        throw e;
      }
      reporter.debug("the SBOM was not attached while " + digest + " was written ("
          + e.getMessage() + "); attaching it now");
      return Optional.empty();
    }
  }

  /** Ends an attaching started for an image the build did not write (it failed). */
  void abandon() {
    written.complete("");
  }
}
