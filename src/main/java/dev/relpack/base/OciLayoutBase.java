package dev.relpack.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.error.BadInputException;
import dev.relpack.format.dockerarchive.DockerArchiveWriter;
import dev.relpack.format.ocilayout.OciLayoutReader;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.DigestVerifyingInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An OCI image layout directory used as a base. jib reads only {@code docker save} archives, so
 * the chosen image is repacked into one (in the cache, once per manifest digest): same config,
 * same gzipped layers, so the layer digests do not change.
 */
final class OciLayoutBase {

  private final Path cacheRoot;

  OciLayoutBase(Path cacheRoot) {
    this.cacheRoot = cacheRoot;
  }

  BaseImage resolve(BaseSpec.OciLayout spec, BaseContext context) throws IOException {
    Chosen chosen = choose(spec, context);
    BasePlatform platform = BasePlatform.ofConfig(chosen.config());
    platform.check(chosen.display(), context);
    String name = "oci:" + spec.dir().getFileName() + spec.refName().map(r -> ":" + r).orElse("");
    BaseFiles files = files(chosen);
    return new BaseImage(name, Optional.of(chosen.digest()),
        new BaseImage.ArchiveSource(repack(chosen, context)),
        platform.imageArchitecture(), files.contents());
  }

  /**
   * The image the build would use (for the build's platform, when the layout's image is an
   * index) as the boot check reads it: its layers in order, each a blob of the layout, checked
   * against its digest as it is read, then uncompressed.
   */
  static BaseFiles files(BaseSpec.OciLayout spec, BaseContext context) throws IOException {
    return files(choose(spec, context));
  }

  private static BaseFiles files(Chosen chosen) throws IOException {
    List<BaseLayer> layers = new ArrayList<>();
    for (JsonNode layer : chosen.image().path("layers")) {
      String digest = layer.path("digest").asText();
      Path blob = chosen.layout().blob(digest);
      String display = chosen.display() + ": layer " + digest;
      layers.add(new BaseLayer(digest, () -> LayerStreams.uncompressed(
          new DigestVerifyingInputStream(Files.newInputStream(blob), digest, actual ->
              new BadInputException(display + " does not match its digest (its content is "
                  + actual + "); the layout is damaged or was tampered with")), digest)));
    }
    List<String> env = new ArrayList<>();
    chosen.config().path("config").path("Env").forEach(variable -> env.add(variable.asText()));
    return new BaseFiles(layers, env);
  }

  /** The image chosen from a layout: its manifest's digest, the manifest, its config. */
  private record Chosen(OciLayoutReader layout, String display, String digest, JsonNode image,
      JsonNode config) {}

  private static Chosen choose(BaseSpec.OciLayout spec, BaseContext context) throws IOException {
    Path dir = spec.dir();
    String display = "{from} oci:" + dir + spec.refName().map(r -> ":" + r).orElse("");
    OciLayoutReader layout = new OciLayoutReader(dir, display);
    JsonNode manifest = layout.select(layout.index(), spec.refName());
    for (int depth = 0; OciLayoutReader.isIndex(manifest) && depth < 4; depth++) {
      manifest = platform(layout, manifest, context);
    }
    String digest = manifest.path("digest").asText();
    JsonNode image = layout.json(digest);
    JsonNode config = layout.json(image.path("config").path("digest").asText());
    return new Chosen(layout, display, digest, image, config);
  }

  /** The entry of an index for the build's platform: the only choice relpack can make. */
  private static JsonNode platform(OciLayoutReader layout, JsonNode indexDescriptor,
      BaseContext context) throws IOException {
    JsonNode index = layout.json(indexDescriptor.path("digest").asText());
    Platform wanted = new Platform(context.architecture(), "linux");
    List<Platform> offered = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      Platform platform = new Platform(m.path("platform").path("architecture").asText("unknown"),
          m.path("platform").path("os").asText("unknown"));
      if (platform.equals(wanted)) {
        return m;
      }
      offered.add(platform);
    }
    throw new BasePlatform(offered, true)
        .mismatch(layout.display(), context.architecture(), context.nativeArchitecture().isPresent());
  }

  private Path repack(Chosen chosen, BaseContext context) throws IOException {
    Path bases = cacheRoot.resolve("bases");
    Files.createDirectories(bases);
    Path archive = bases.resolve("oci-" + chosen.digest().replace("sha256:", "") + ".tar");
    OciLayoutReader layout = chosen.layout();
    String config = chosen.image().path("config").path("digest").asText();
    List<String> layers = new ArrayList<>();
    for (JsonNode layer : chosen.image().path("layers")) {
      String type = layer.path("mediaType").asText();
      if (!type.endsWith("gzip")) {
        throw new BadInputException(chosen.display() + ": layer " + layer.path("digest").asText()
            + " is " + type + "; jib needs gzip-compressed layers");
      }
      layers.add(layer.path("digest").asText());
    }
    List<String> blobNames = DockerArchiveWriter.names(config, layers);
    byte[] manifest = DockerArchiveWriter.manifest(config, layers);
    if (Files.isRegularFile(archive)) {
      // the cache is not trusted: a repack is used only if every blob in it has its digest
      if (CachedArchives.holds(archive, blobNames, manifest)) {
        return archive;
      }
      context.log().accept(LogEvent.warn("cache entry " + archive + " does not match its digest"
          + " (changed or corrupt); writing it again"));
    }
    AtomicFiles.write(archive, tmp -> DockerArchiveWriter.write(tmp,
        new DockerArchiveWriter.Blob(config, layout.blob(config)),
        layers.stream().map(layer -> new DockerArchiveWriter.Blob(layer, layout.blob(layer))).toList(),
        layout::requireDigest));
    return archive;
  }
}
