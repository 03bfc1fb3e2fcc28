package dev.relpack.engine;

import dev.relpack.image.ImageResult;
import dev.relpack.image.LayerBlobs;
import dev.relpack.image.LayerResult;
import dev.relpack.image.LayerTrust;
import dev.relpack.publish.Target;
import dev.relpack.publish.TargetAccess;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.RegistryDeadline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Builds an image by writing again one this user's builds pushed to the same repository from the
 * same base and config with layers of the same names ({@link KnownImages#shapeKey}), with this
 * build's layers on top, instead of running jib: each layer's blob comes from jib's cache, or is
 * compressed into it as jib would ({@link LayerBlobs}), and the registry gets the blobs it lacks,
 * the config and the manifest ({@code ConfigReplacer#revise}). The image is the one jib would
 * build, byte for byte; what a one-module change costs is then that module's layer and three
 * small uploads, not jib's set-up, its blob checks and its manifest push, read back and pushed
 * again.
 */
final class ImageRevision {
  private final BuildPlan plan;
  private final Target target;
  private final LayerTrust trust;
  private final Reporter reporter;

  /** @param trust what the private state says of jib's cache, as for a jib build */
  ImageRevision(BuildPlan plan, Target target, LayerTrust trust, Reporter reporter) {
    this.plan = plan;
    this.target = target;
    this.trust = trust;
    this.reporter = reporter;
  }

  /**
   * The image, written in {@code phase} from {@code previous}; empty when the target cannot take
   * it this way.
   *
   * @param previous the image kept under the build's shape key, as {@link KnownImages} reports
   *     it
   * @param reused the layers put in jib's cache from an earlier image ({@code --cache-from}):
   *     their blob digests by name, reported as reused and not hashed again
   * @throws dev.relpack.error.RelpackException when the registry, the cache or the previous
   *     image does not allow it; the caller builds the image with jib instead
   */
  Optional<ImageResult> write(ImageResult previous, Map<String, String> reused,
      RegistryDeadline phase, TargetAccess access) {
    return phase.run("writing " + target.display() + " from " + previous.digest(), () -> {
      List<LayerBlobs.Blob> blobs =
          LayerBlobs.of(plan.spec(), plan.cacheRoot(), reused, trust, reporter);
      List<ConfigReplacer.TopLayer> top = blobs.stream().map(blob -> new ConfigReplacer.TopLayer(
          blob.digest(), blob.size(), blob.diffId(), blob.file())).toList();
      List<LayerResult> base = baseLayers(previous);
      return target.revise(previous.digest(), base.size(), top,
              plan.spec().layers().size(), plan.spec().annotations(), access)
          .map(revised -> result(base, blobs, reused, revised));
    });
  }

  private static List<LayerResult> baseLayers(ImageResult image) {
    return image.layers().stream().filter(layer -> layer.origin() == LayerResult.Origin.BASE)
        .toList();
  }

  /** Reported as a jib build reports: the base's layers, then each of relpack's. */
  private ImageResult result(List<LayerResult> base, List<LayerBlobs.Blob> blobs,
      Map<String, String> reused, ConfigReplacer.Revised revised) {
    List<LayerResult> layers = new ArrayList<>(base);
    for (LayerBlobs.Blob blob : blobs) {
      layers.add(new LayerResult(blob.name(), blob.digest(), blob.size(),
          blob.digest().equals(reused.get(blob.name())) ? LayerResult.Origin.REUSED
              : blob.built() ? LayerResult.Origin.BUILT : LayerResult.Origin.CACHED,
          OptionalLong.of(blob.contentBytes()), revised.uploaded().contains(blob.digest())
              ? LayerResult.Delivery.PUSHED : LayerResult.Delivery.PRESENT));
    }
    return new ImageResult(revised.image().digest(), revised.image().configDigest(),
        target.tags(), layers, revised.uploadedBytes(), revised.uploadedBlobs());
  }
}
