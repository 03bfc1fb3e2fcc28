package dev.relpack.engine;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import dev.relpack.base.BaseImage;
import dev.relpack.image.ImageLayer;
import dev.relpack.image.ImageResult;
import dev.relpack.image.LayerBlobs;
import dev.relpack.image.LayerResult;
import dev.relpack.image.LayerTrust;
import dev.relpack.image.PredictedImage;
import dev.relpack.io.Futures;
import dev.relpack.publish.Target;
import dev.relpack.publish.TargetAccess;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Future;
import java.util.function.Consumer;

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
  private static final String READING = "reading the image to write again";
  private final BuildPlan plan;
  private final Target target;
  private final LayerTrust trust;
  private final Reporter reporter;
  private final Consumer<RegistryReader.Descriptor> writing;

  /**
   * @param trust what the private state says of jib's cache, as for a jib build
   * @param writing told of the manifest about to be written, before its blobs are sent: it may
   *     start what waits only for the image's digest (the SBOM's attachment)
   */
  ImageRevision(BuildPlan plan, Target target, LayerTrust trust, Reporter reporter,
      Consumer<RegistryReader.Descriptor> writing) {
    this.plan = plan;
    this.target = target;
    this.trust = trust;
    this.reporter = reporter;
    this.writing = writing;
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
      Future<Optional<ConfigReplacer.Pushed>> read = reading(previous.digest(), phase, access);
      return written(read, baseLayers(previous), reused, access, Optional.empty());
    });
  }

  /**
   * The image, written in {@code phase} from {@code taken}, an image of the target's repository
   * not known to be of this build's shape; empty, with nothing written, when the result would not
   * be exactly what jib pushes for this build.
   *
   * @param taken the digest of the image the layers were taken from
   * @param takenFrom that image as the build named it, for {@code -v}
   * @param diffIds the diff IDs of the layers whose tars were written to take them, by name
   */
  Optional<ImageResult> writeFrom(String taken, String takenFrom, Map<String, String> reused,
      Map<String, String> diffIds, RegistryDeadline phase, TargetAccess access) {
    Optional<ImageResult> written = phase.run("writing " + target.display() + " from " + taken,
        () -> {
          Future<Optional<ConfigReplacer.Pushed>> read = reading(taken, phase, access);
          Optional<PredictedImage.Base> base = base();
          if (base.isEmpty()
              || !configMayMatch(Futures.result(read, READING), base.get(), diffIds)) {
            return Optional.empty();
          }
          return written(read, baseLayers(base.get()), reused, access,
              Optional.of(new Checked(base.get())));
        });
    if (written.isEmpty()) {
      reporter.debug(takenFrom + " is not this build's image but for its layers (another base,"
          + " config or relpack); building it with jib");
    }
    return written;
  }

  /**
   * The image, written in {@code phase} as one the target's repository never held: the config
   * and manifest jib would push ({@link PredictedImage}) with the base's layers mounted from the
   * base's repository, which must be on the target's registry. Empty, with no manifest written,
   * for a base elsewhere or in an archive, or a registry that will not mount.
   *
   * @param reused as for {@link #write}
   */
  Optional<ImageResult> writeNew(Map<String, String> reused, RegistryDeadline phase,
      TargetAccess access) {
    Optional<ImageReference> into = target.registryImage();
    if (!(plan.base().source() instanceof BaseImage.RegistrySource registry) || into.isEmpty()
        || !registry.pinned().getRegistry().equals(into.get().getRegistry())) {
      return Optional.empty();
    }
    return phase.run("writing " + target.display(), () -> {
      Optional<PredictedImage.Base> base = base();
      if (base.isEmpty()) {
        return Optional.empty();
      }
      List<LayerBlobs.Blob> blobs =
          LayerBlobs.of(plan.spec(), plan.cacheRoot(), reused, trust, reporter);
      Optional<ConfigReplacer.Written> expected =
          PredictedImage.of(plan.spec(), base.get(), predicted(blobs), ToolVersion.line());
      if (expected.isEmpty()) {
        return Optional.empty();
      }
      writing.accept(expected.get().manifestDescriptor());
      Optional<ConfigReplacer.Revised> written =
          target.writeNew(registry.pinned(), expected.get(), topLayers(blobs), access);
      if (written.isEmpty()) {
        reporter.debug("the registry did not mount the base's layers from "
            + registry.pinned().getRepository() + "; building with jib");
      }
      return written.map(image -> result(baseLayers(base.get(), LayerResult.Delivery.MOUNTED),
          blobs, reused, image));
    });
  }

  /**
   * Whether {@code taken}, written again, may have the config jib would push: false, before any
   * layer is compressed, when the diff IDs of every layer are known and it would not; true when
   * they are not all known (the whole image is compared once they are).
   */
  private boolean configMayMatch(Optional<ConfigReplacer.Pushed> taken,
      PredictedImage.Base base, Map<String, String> diffIds) {
    if (taken.isEmpty()) {
      return false;
    }
    List<String> names = plan.spec().layers().stream()
        .filter(layer -> !layer.entries().isEmpty()).map(ImageLayer::name).toList();
    if (!diffIds.keySet().containsAll(names)) {
      return true;
    }
    List<String> ids = names.stream().map(diffIds::get).toList();
    Optional<byte[]> expected =
        PredictedImage.config(plan.spec(), base, names, ids, ToolVersion.line());
    Optional<byte[]> revised = target.revisedConfig(taken.get(), base.layers().size(), ids,
        plan.spec().layers().size());
    return expected.isPresent() && revised.isPresent()
        && Arrays.equals(expected.get(), revised.get());
  }

  /** The result must be what jib pushes on this base. */
  private record Checked(PredictedImage.Base base) {}

  /** The base as jib takes it; a registry base's manifest and config as the plan read them. */
  private Optional<PredictedImage.Base> base() {
    BaseImage.Source source = plan.base().source();
    if (source instanceof BaseImage.RegistrySource registry) {
      BuildPlan.Registries registries = plan.registries();
      return PredictedImage.registry(registries.baseReader().json(registry.pinned(),
          registries.credentials().credential(registry.pinned(),
              event -> reporter.debug(event.getMessage())),
          plan.spec().architecture()));
    }
    if (source instanceof BaseImage.ArchiveSource archive) {
      return PredictedImage.archive(archive.tar());
    }
    return Optional.of(PredictedImage.scratch(plan.spec().architecture()));
  }

  /**
   * The image the target's repository holds, read on the phase's threads while the build does
   * its own part of the revision (the layers' blobs, which take about as long as reading it
   * from a registry a round trip or two away).
   */
  private Future<Optional<ConfigReplacer.Pushed>> reading(String digest, RegistryDeadline phase,
      TargetAccess access) {
    return phase.start(() -> target.read(digest, access));
  }

  /**
   * @param previous the image written again, being read
   * @param checked how the result is checked, when {@code previous} is not known
   */
  private Optional<ImageResult> written(Future<Optional<ConfigReplacer.Pushed>> previous,
      List<LayerResult> base, Map<String, String> reused, TargetAccess access,
      Optional<Checked> checked) throws IOException {
    List<LayerBlobs.Blob> blobs =
        LayerBlobs.of(plan.spec(), plan.cacheRoot(), reused, trust, reporter);
    List<ConfigReplacer.TopLayer> top = topLayers(blobs);
    Optional<ConfigReplacer.Written> expected = Optional.empty();
    if (checked.isPresent()) {
      expected = PredictedImage.of(plan.spec(), checked.get().base(), predicted(blobs),
          ToolVersion.line());
      if (expected.isEmpty()) {
        return Optional.empty();
      }
    }
    Optional<ConfigReplacer.Pushed> read = Futures.result(previous, READING);
    if (read.isEmpty()) {
      return Optional.empty();
    }
    Optional<ConfigReplacer.Written> revision = target.revision(read.get(), base.size(), top,
        plan.spec().layers().size(), plan.spec().annotations());
    if (revision.isEmpty() || expected.isPresent() && !expected.get().same(revision.get())) {
      return Optional.empty();
    }
    // the bytes compared and announced are the ones written
    writing.accept(revision.get().manifestDescriptor());
    return target.revise(read.get(), revision.get(), top, access)
        .map(revised -> result(base, blobs, reused, revised));
  }

  private static List<ConfigReplacer.TopLayer> topLayers(List<LayerBlobs.Blob> blobs) {
    return blobs.stream().map(blob -> new ConfigReplacer.TopLayer(blob.digest(), blob.size(),
        blob.diffId(), blob.file())).toList();
  }

  private static List<PredictedImage.Layer> predicted(List<LayerBlobs.Blob> blobs) {
    return blobs.stream().map(blob -> new PredictedImage.Layer(blob.name(), blob.digest(),
        blob.size(), blob.diffId())).toList();
  }

  private static List<LayerResult> baseLayers(ImageResult image) {
    return image.layers().stream().filter(layer -> layer.origin() == LayerResult.Origin.BASE)
        .toList();
  }

  /** The base's layers as a jib build names them, present in the repository written to. */
  private static List<LayerResult> baseLayers(PredictedImage.Base base) {
    return baseLayers(base, LayerResult.Delivery.PRESENT);
  }

  /** The base's layers as a jib build names them, delivered so to the repository written to. */
  private static List<LayerResult> baseLayers(PredictedImage.Base base,
      LayerResult.Delivery delivery) {
    List<BlobDescriptor> blobs = base.layers();
    List<LayerResult> layers = new ArrayList<>();
    for (int i = 0; i < blobs.size(); i++) {
      layers.add(new LayerResult(blobs.size() == 1 ? "base" : "base-" + (i + 1),
          blobs.get(i).getDigest().toString(), blobs.get(i).getSize(), LayerResult.Origin.BASE,
          OptionalLong.empty(), delivery));
    }
    return layers;
  }

  private static LayerResult.Delivery delivery(ConfigReplacer.Revised revised, String digest) {
    return revised.uploaded().contains(digest) ? LayerResult.Delivery.PUSHED
        : revised.mounted().contains(digest) ? LayerResult.Delivery.MOUNTED
            : LayerResult.Delivery.PRESENT;
  }

  /** Reported as a jib build reports: the base's layers, then each of relpack's. */
  private ImageResult result(List<LayerResult> base, List<LayerBlobs.Blob> blobs,
      Map<String, String> reused, ConfigReplacer.Revised revised) {
    List<LayerResult> layers = new ArrayList<>(base);
    for (LayerBlobs.Blob blob : blobs) {
      layers.add(new LayerResult(blob.name(), blob.digest(), blob.size(),
          blob.digest().equals(reused.get(blob.name())) ? LayerResult.Origin.REUSED
              : blob.built() ? LayerResult.Origin.BUILT : LayerResult.Origin.CACHED,
          OptionalLong.of(blob.contentBytes()), delivery(revised, blob.digest())));
    }
    // a job log's line per layer, as a jib build gives them (its uploads ended together)
    layers.forEach(reporter::layerDone);
    return new ImageResult(revised.image().digest(), revised.image().configDigest(),
        target.tags(), layers, revised.uploadedBytes(), revised.uploadedBlobs());
  }
}
