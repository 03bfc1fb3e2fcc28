package dev.relpack.base;

import dev.relpack.error.BadInputException;
import dev.relpack.format.dockerarchive.DockerArchiveReader;
import dev.relpack.io.DigestVerifyingInputStream;
import dev.relpack.io.Printable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A {@code docker save} archive used as a base: jib reads it as it is. */
final class DockerArchiveBase {
  private DockerArchiveBase() {}

  static BaseImage resolve(Path tar, BaseContext context) {
    DockerArchiveReader.Summary summary = DockerArchiveReader.read(tar);
    BasePlatform platform = BasePlatform.ofConfig(summary.config());
    platform.check("{from} tar:" + tar, context);
    return new BaseImage(summary.repoTag().orElse("tar:" + tar.getFileName()),
        Optional.of(summary.configDigest()), new BaseImage.ArchiveSource(tar),
        platform.imageArchitecture(), new BaseImage.LayerContents(() -> files(tar)));
  }

  /**
   * The archive's first image as the boot check reads it: its layers in manifest order, each
   * named by the diff ID its config gives it and read by streaming the archive to that member,
   * uncompressed if it is gzip (skopeo writes plain tars, {@code docker save} may not), and
   * checked against that diff ID as it is read.
   */
  static BaseFiles files(Path tar) {
    DockerArchiveReader.Image image = DockerArchiveReader.image(tar);
    List<BaseLayer> layers = new ArrayList<>();
    for (DockerArchiveReader.Layer layer : image.layers()) {
      String diffId = layer.diffId();
      String display = "{from} tar:" + tar + ": layer " + Printable.of(layer.name());
      layers.add(new BaseLayer(diffId, () -> new DigestVerifyingInputStream(
          LayerStreams.uncompressed(DockerArchiveReader.open(tar, layer), diffId), diffId,
          actual -> new BadInputException(display + " does not match the diff ID " + diffId
              + " its config gives it (its content is " + actual + "); the archive is damaged"
              + " or was tampered with"))));
    }
    return new BaseFiles(layers, image.env());
  }
}
