package dev.relpack.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseImage;
import dev.relpack.error.InternalException;
import dev.relpack.error.RelpackException;
import dev.relpack.registry.RegistryReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Builds an {@link ImageSpec} into a {@link Target} with jib-core. Registry images and OCI layouts
 * use OCI manifests, so a layout holds exactly what a push would; {@code tar:} is Docker's format,
 * for {@code docker load}. Archives and layouts are written beside their destination and moved into
 * place only when complete.
 */
public final class JibImageBuilder {
  private static final Instant FILE_TIME = Instant.ofEpochSecond(1);
  private static final int ATTEMPTS = 3;

  private final Settings settings;
  private final BuildListener listener;

  /**
   * @param cacheRoot where jib keeps compressed layers and base image data
   * @param toolVersion what history entries record as the tool version (a release line, so
   *     patch releases do not change digests)
   * @param allowInsecure jib may fall back to unverified TLS and plain HTTP
   * @param firstRetryDelay wait before retrying a build the registry refused with 429 or 5xx
   */
  public record Settings(Path cacheRoot, String toolVersion, boolean allowInsecure,
      RegistryCredentials credentials, RegistryReader registry, Duration firstRetryDelay) {}

  public JibImageBuilder(Settings settings, BuildListener listener) {
    this.settings = settings;
    this.listener = listener;
  }

  public ImageResult build(ImageSpec spec, Target target) {
    target.checkWritable();
    Duration delay = settings.firstRetryDelay();
    for (int attempt = 1; ; attempt++) {
      JibEvents events = new JibEvents(listener);
      try {
        return attempt(spec, target, events);
      } catch (Exception e) {
        if (attempt == ATTEMPTS || !JibErrors.isTransient(e)) {
          throw e instanceof RelpackException r ? r : JibErrors.translate(e, target.display());
        }
        listener.warn("the registry answered " + JibErrors.translate(e, target.display()).getMessage()
            + "; trying again in " + delay.toSeconds() + " s");
        pause(delay);
        delay = delay.multipliedBy(2);
      }
    }
  }

  private ImageResult attempt(ImageSpec spec, Target target, JibEvents events) throws Exception {
    JibContainerBuilder jib = from(spec.base()).setFormat(format(target));
    jib.setPlatforms(Set.of(new Platform(spec.architecture(), "linux")));
    for (ImageLayer layer : spec.layers()) {
      jib.addFileEntriesLayer(fileEntries(layer));
    }
    jib.setEntrypoint(spec.entrypoint())
        .setProgramArguments(List.of())
        .setEnvironment(spec.environment())
        .setExposedPorts(ports(spec.ports()))
        .setLabels(spec.labels())
        .setUser(spec.user())
        .setWorkingDirectory(AbsoluteUnixPath.get(spec.workingDirectory()))
        .setCreationTime(spec.created());
    if (target instanceof Target.Registry registry) {
      return toRegistry(jib, registry, spec, events);
    }
    if (target instanceof Target.DockerArchive archive) {
      return toArchive(jib, archive, spec, events);
    }
    return toLayout(jib, (Target.OciLayout) target, spec, events);
  }

  private ImageResult toRegistry(JibContainerBuilder jib, Target.Registry target, ImageSpec spec,
      JibEvents events) throws Exception {
    RegistryImage image = RegistryImage.named(target.image());
    settings.credentials().retrievers(target.image(), events::onLog)
        .forEach(image::addCredentialRetriever);
    JibContainer container = jib.containerize(containerizer(Containerizer.to(image), target, events));
    List<Blob> layers;
    try {
      RegistryReader.Manifest pushed = settings.registry().read(
          ImageReference.of(target.image().getRegistry(), target.image().getRepository(),
              null, container.getDigest().toString()),
          settings.credentials().credential(target.image(), events::onLog));
      layers = pushed.layers().stream().map(d -> new Blob(d.digest(), d.size())).toList();
    } catch (RelpackException e) {
      // the image is pushed; only its layer list (for the summary and metadata) is missing
      listener.warn("pushed " + container.getDigest() + " but cannot read its manifest back to"
          + " list its layers: " + e.getMessage());
      layers = List.of();
    }
    return result(container, target, spec, events, layers);
  }

  private ImageResult toArchive(JibContainerBuilder jib, Target.DockerArchive target,
      ImageSpec spec, JibEvents events) throws Exception {
    Path file = target.file().toAbsolutePath();
    Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      ImageReference name =
          ImageReference.of(null, Target.repositoryName(spec.name()), target.tags().get(0));
      JibContainer container = jib.containerize(containerizer(
          Containerizer.to(TarImage.at(tmp).named(name)), target, events));
      List<Blob> layers = dockerArchiveLayers(tmp);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return result(container, target, spec, events, layers);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private ImageResult toLayout(JibContainerBuilder jib, Target.OciLayout target, ImageSpec spec,
      JibEvents events) throws Exception {
    Path staging = settings.cacheRoot().resolve("tmp");
    Files.createDirectories(staging);
    Path tmp = staging.resolve("oci-" + UUID.randomUUID() + ".tar");
    try {
      ImageReference name = ImageReference.of(null, "relpack", target.tags().get(0));
      JibContainer container = jib.containerize(containerizer(
          Containerizer.to(TarImage.at(tmp).named(name)), target, events));
      Files.createDirectories(target.dir());
      JsonNode manifest = OciLayoutWriter.add(tmp, target.dir(), target.tags());
      Path manifestBlob = target.dir().resolve("blobs/sha256")
          .resolve(manifest.path("digest").asText().substring("sha256:".length()));
      List<Blob> layers = new ArrayList<>();
      for (JsonNode layer : new ObjectMapper().readTree(manifestBlob.toFile()).path("layers")) {
        layers.add(new Blob(layer.path("digest").asText(), layer.path("size").asLong()));
      }
      return result(container, target, spec, events, layers);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private record Blob(String digest, long size) {}

  private ImageResult result(JibContainer container, Target target, ImageSpec spec,
      JibEvents events, List<Blob> layers) {
    int baseCount = Math.max(0, layers.size() - spec.layers().size());
    List<LayerResult> results = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Blob blob = layers.get(i);
      if (i < baseCount) {
        results.add(new LayerResult(baseCount == 1 ? "base" : "base-" + (i + 1), blob.digest(),
            blob.size(), LayerResult.Origin.BASE));
      } else {
        String name = spec.layers().get(i - baseCount).name();
        results.add(new LayerResult(name, blob.digest(), blob.size(),
            events.wasBuilt(name) ? LayerResult.Origin.BUILT : LayerResult.Origin.CACHED));
      }
    }
    return new ImageResult(container.getDigest().toString(), container.getImageId().toString(),
        target.tags(), results, events.uploadedBytes(), events.uploadedBlobs());
  }

  private Containerizer containerizer(Containerizer containerizer, Target target,
      JibEvents events) {
    for (String tag : target.tags().subList(1, target.tags().size())) {
      containerizer.withAdditionalTag(tag);
    }
    return containerizer
        .setToolName("relpack")
        .setToolVersion(settings.toolVersion())
        .setApplicationLayersCache(settings.cacheRoot().resolve("jib/application"))
        .setBaseImageLayersCache(settings.cacheRoot().resolve("jib/base"))
        .setAllowInsecureRegistries(settings.allowInsecure())
        .addEventHandler(LogEvent.class, events::onLog)
        .addEventHandler(ProgressEvent.class, events::onProgress)
        .addEventHandler(TimerEvent.class, events::onTimer);
  }

  private JibContainerBuilder from(BaseImage base) {
    BaseImage.Source source = base.source();
    if (source instanceof BaseImage.RegistrySource registry) {
      RegistryImage image = RegistryImage.named(registry.pinned());
      settings.credentials().retrievers(registry.pinned(), e -> listener.debug(e.getMessage()))
          .forEach(image::addCredentialRetriever);
      return Jib.from(image);
    }
    if (source instanceof BaseImage.ArchiveSource archive) {
      return Jib.from(TarImage.at(archive.tar()));
    }
    return Jib.fromScratch();
  }

  private static ImageFormat format(Target target) {
    return target instanceof Target.DockerArchive ? ImageFormat.Docker : ImageFormat.OCI;
  }

  private static FileEntriesLayer fileEntries(ImageLayer layer) {
    FileEntriesLayer.Builder builder = FileEntriesLayer.builder().setName(layer.name());
    for (LayerEntry entry : layer.entries()) {
      builder.addEntry(new FileEntry(entry.source(), AbsoluteUnixPath.get(entry.target()),
          FilePermissions.fromOctalString(entry.octalMode()), FILE_TIME));
    }
    return builder.build();
  }

  private static Set<Port> ports(List<String> ports) {
    Set<Port> result = new java.util.LinkedHashSet<>();
    for (String port : ports) {
      String[] parts = port.split("/");
      result.add(Port.parseProtocol(Integer.parseInt(parts[0]), parts[1]));
    }
    return result;
  }

  /** The layers of a {@code docker save} archive jib wrote: digests from names, sizes from entries. */
  private static List<Blob> dockerArchiveLayers(Path archive) throws IOException {
    Map<String, Long> sizes = new LinkedHashMap<>();
    JsonNode manifest = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        if (entry.getName().equals("manifest.json")) {
          manifest = new ObjectMapper().readTree(tar.readAllBytes());
        } else {
          sizes.put(entry.getName(), entry.getSize());
        }
      }
    }
    if (manifest == null) {
      throw new InternalException("jib wrote an archive without manifest.json", null);
    }
    List<Blob> layers = new ArrayList<>();
    for (JsonNode layer : manifest.path(0).path("Layers")) {
      String name = layer.asText();
      layers.add(new Blob("sha256:" + name.replace(".tar.gz", ""),
          Optional.ofNullable(sizes.get(name)).orElse(0L)));
    }
    return layers;
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalException("interrupted", e);
    }
  }
}
