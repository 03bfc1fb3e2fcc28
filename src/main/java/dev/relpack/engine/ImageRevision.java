package dev.relpack.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.base.BaseImage;
import dev.relpack.image.ImageResult;
import dev.relpack.image.LayerBlobs;
import dev.relpack.image.LayerResult;
import dev.relpack.image.LayerTrust;
import dev.relpack.image.PredictedImage;
import dev.relpack.publish.Target;
import dev.relpack.publish.TargetAccess;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Builds an image by writing again one the target's repository holds, with this build's layers
 * on top, instead of running jib: each layer's blob comes from jib's cache, or is compressed into
 * it as jib would ({@link LayerBlobs}), and the registry gets the blobs it lacks, the config and
 * the manifest ({@code ConfigReplacer#revise}). The image is the one jib would build, byte for
 * byte; what a one-module change costs is then that module's layer and three small uploads, not
 * jib's set-up, its blob checks and its manifest push, read back and pushed again.
 *
 * <p>The image written again is either one this user's builds pushed from the same base and
 * config with layers of the same names ({@link KnownImages#shapeKey}), or one the build took
 * layers from ({@code --cache-from}) in the same repository, which is written again only when the
 * result is exactly the config and manifest jib would push ({@link PredictedImage}).
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
    return write(previous.digest(), baseLayers(previous), reused, phase, access, Optional.empty());
  }

  /**
   * The image, written in {@code phase} from {@code taken}, an image of the target's repository
   * not known to be of this build's shape; empty, with nothing written, when the result would not
   * be exactly what jib pushes for this build.
   *
   * @param taken the digest of the image the layers were taken from
   */
  Optional<ImageResult> writeFrom(String taken, Map<String, String> reused,
      RegistryDeadline phase, TargetAccess access) {
    return phase.run("writing " + target.display() + " from " + taken, () -> {
      Optional<RegistryReader.ImageJson> base = baseJson();
      return written(taken, baseLayers(base), reused, access, Optional.of(new Checked(base)));
    });
  }

  /**
   * The result must be what jib pushes on this base (its manifest and config; none for
   * {@code scratch}).
   */
  private record Checked(Optional<RegistryReader.ImageJson> base) {}

  /** The base's manifest and config for the build's platform, as the plan read them. */
  private Optional<RegistryReader.ImageJson> baseJson() {
    if (!(plan.base().source() instanceof BaseImage.RegistrySource registry)) {
      return Optional.empty(); // scratch
    }
    BuildPlan.Registries registries = plan.registries();
    return Optional.of(registries.baseReader().json(registry.pinned(),
        registries.credentials().credential(registry.pinned(), event -> { }),
        plan.spec().architecture()));
  }

  private Optional<ImageResult> write(String previous, List<LayerResult> base,
      Map<String, String> reused, RegistryDeadline phase, TargetAccess access,
      Optional<Checked> checked) {
    return phase.run("writing " + target.display() + " from " + previous,
        () -> written(previous, base, reused, access, checked));
  }

  /** @param checked how the result is checked, when {@code previous} is not known */
  private Optional<ImageResult> written(String previous, List<LayerResult> base,
      Map<String, String> reused, TargetAccess access, Optional<Checked> checked)
      throws IOException {
    List<LayerBlobs.Blob> blobs =
        LayerBlobs.of(plan.spec(), plan.cacheRoot(), reused, trust, reporter);
    List<ConfigReplacer.TopLayer> top = blobs.stream().map(blob -> new ConfigReplacer.TopLayer(
        blob.digest(), blob.size(), blob.diffId(), blob.file())).toList();
    Optional<ConfigReplacer.Written> expected = Optional.empty();
    if (checked.isPresent()) {
      expected = PredictedImage.of(plan.spec(), checked.get().base(), blobs.stream()
          .map(blob -> new PredictedImage.Layer(blob.name(), blob.digest(), blob.size(),
              blob.diffId())).toList(), ToolVersion.line());
      if (expected.isEmpty()) {
        return Optional.empty();
      }
    }
    return target.revise(previous, base.size(), top, plan.spec().layers().size(),
            plan.spec().annotations(), access, expected)
        .map(revised -> result(base, blobs, reused, revised));
  }

  private static List<LayerResult> baseLayers(ImageResult image) {
    return image.layers().stream().filter(layer -> layer.origin() == LayerResult.Origin.BASE)
        .toList();
  }

  /** The base's layers as a jib build names them, present in the repository written to. */
  private static List<LayerResult> baseLayers(Optional<RegistryReader.ImageJson> base) {
    List<LayerResult> layers = new ArrayList<>();
    if (base.isEmpty()) {
      return layers;
    }
    JsonNode descriptors = base.get().manifest().path("layers");
    for (int i = 0; i < descriptors.size(); i++) {
      JsonNode layer = descriptors.get(i);
      layers.add(new LayerResult(descriptors.size() == 1 ? "base" : "base-" + (i + 1),
          layer.path("digest").asText(), layer.path("size").asLong(), LayerResult.Origin.BASE,
          OptionalLong.empty(), LayerResult.Delivery.PRESENT));
    }
    return layers;
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
