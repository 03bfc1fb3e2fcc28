package dev.relpack.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.configuration.ContainerConfiguration;
import com.google.cloud.tools.jib.image.Image;
import com.google.cloud.tools.jib.image.ReferenceLayer;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ContainerConfigurationTemplate;
import com.google.cloud.tools.jib.image.json.HistoryEntry;
import com.google.cloud.tools.jib.image.json.ImageToJsonTranslator;
import com.google.cloud.tools.jib.image.json.JsonToImageTranslator;
import com.google.cloud.tools.jib.image.json.OciManifestTemplate;
import com.google.cloud.tools.jib.image.json.V22ManifestTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import dev.relpack.format.ConfigRewrite;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.Sha256;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The config and manifest a build pushes to a registry through jib, as relpack then names itself
 * in them ({@link ConfigRewrite}), worked out without running jib: jib's own image model, JSON
 * templates and writer are given the base's manifest and config, the spec's settings, and each
 * added layer's blob and diff ID, in the order and by the rules jib-core 0.28's build step
 * applies them (the base's settings first, then the container's over them; one history entry per
 * added layer; an entry per base layer its history leaves without one).
 *
 * <p>Used where an image is written without jib ({@code ImageRevision}), and only as a check: the
 * image is written when this equals what it writes, so a case this gets wrong costs a jib build,
 * never an image of other bytes. {@code PredictedImageTest} holds it to what jib pushes.
 */
public final class PredictedImage {
  private PredictedImage() {}

  /** A layer put on the base: its name, its blob's digest and size, and its diff ID. */
  public record Layer(String name, String digest, long size, String diffId) {}

  /**
   * The config and manifest jib pushes for {@code spec} with {@code layers} on its base, named
   * relpack's; empty for a base it cannot say (a manifest of another kind, a config jib would
   * refuse).
   *
   * @param base the base's manifest and config; empty for {@code scratch}
   * @param toolVersion the release line history entries record
   */
  public static Optional<ConfigReplacer.Written> of(ImageSpec spec,
      Optional<RegistryReader.ImageJson> base, List<Layer> layers, String toolVersion) {
    if (layers.size() != spec.layers().size()) {
      throw new IllegalArgumentException(layers.size() + " layers for a spec of "
          + spec.layers().size());
    }
    try {
      Optional<Image> baseImage = base.isPresent() ? parsed(base.get())
          : Optional.of(Image.builder(OciManifestTemplate.class)
              .setArchitecture(spec.architecture()).setOs("linux").build());
      if (baseImage.isEmpty()) {
        return Optional.empty();
      }
      Image image = built(baseImage.get(), container(spec), layers, toolVersion);
      return Optional.of(relpacks(image, spec));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // jib's model refused it: jib will say why, if it builds it
    }
  }

  /** The base as jib's model reads it from a registry; empty for a manifest jib builds on no other way. */
  private static Optional<Image> parsed(RegistryReader.ImageJson base) throws IOException {
    JsonNode manifest = base.manifest();
    // as jib tells them apart: an image manifest of schema 2 without a media type is OCI's
    String type = manifest.path("mediaType").asText(MediaTypes.OCI_MANIFEST);
    Class<? extends BuildableManifestTemplate> template = type.equals(MediaTypes.OCI_MANIFEST)
        ? OciManifestTemplate.class
        : type.equals(MediaTypes.DOCKER_MANIFEST) ? V22ManifestTemplate.class : null;
    if (template == null || manifest.path("schemaVersion").asInt(-1) != 2
        || !manifest.path("config").isObject()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JsonToImageTranslator.toImage(
          JsonTemplateMapper.readJson(text(manifest), template),
          JsonTemplateMapper.readJson(text(base.config()), ContainerConfigurationTemplate.class)));
    } catch (com.google.cloud.tools.jib.image.LayerCountMismatchException
        | com.google.cloud.tools.jib.image.LayerPropertyNotFoundException
        | com.google.cloud.tools.jib.image.json.BadContainerConfigurationFormatException e) {
      return Optional.empty();
    }
  }

  private static String text(JsonNode json) {
    return json.toString();
  }

  /** The settings as {@link JibImageBuilder} gives them to jib, in jib's container model. */
  private static ContainerConfiguration container(ImageSpec spec) {
    return ContainerConfiguration.builder()
        .setEntrypoint(spec.entrypoint())
        .setProgramArguments(spec.cmd())
        .setEnvironment(spec.environment())
        .setExposedPorts(JibImageBuilder.ports(spec.ports()))
        .setLabels(spec.labels())
        .setUser(spec.user())
        .setWorkingDirectory(AbsoluteUnixPath.get(spec.workingDirectory()))
        .setCreationTime(spec.created())
        .build();
  }

  /** The image jib's build step makes of the base, the container settings and the layers. */
  private static Image built(Image base, ContainerConfiguration container, List<Layer> layers,
      String toolVersion) throws IOException {
    Image.Builder image = Image.builder(OciManifestTemplate.class);
    int entriesWithLayer = 0;
    for (com.google.cloud.tools.jib.image.Layer layer : base.getLayers()) {
      image.addLayer(layer);
    }
    for (HistoryEntry entry : base.getHistory()) {
      image.addHistory(entry);
      // true for an empty_layer entry (jib's naming): the others are counted
      if (!entry.hasCorrespondingLayer()) {
        entriesWithLayer++;
      }
    }
    image.setArchitecture(base.getArchitecture()).setOs(base.getOs())
        .addEnvironment(base.getEnvironment()).addLabels(base.getLabels())
        .setHealthCheck(base.getHealthCheck()).addExposedPorts(base.getExposedPorts())
        .addVolumes(base.getVolumes()).setUser(base.getUser())
        .setWorkingDirectory(base.getWorkingDirectory());
    Instant created = container.getCreationTime();
    // jib gives each base layer the base's history leaves without an entry one of its own
    for (int i = entriesWithLayer; i < base.getLayers().size(); i++) {
      image.addHistory(HistoryEntry.builder().setCreationTimestamp(created)
          .setComment("auto-generated by Jib").build());
    }
    for (Layer layer : layers) {
      image.addLayer(reference(layer)).addHistory(HistoryEntry.builder()
          .setCreationTimestamp(created).setAuthor(ConfigRewrite.JIB)
          .setCreatedBy(JibImageBuilder.TOOL_NAME + ":" + toolVersion)
          .setComment(layer.name()).build());
    }
    boolean ownEntrypoint = container.getEntrypoint() != null;
    image.addEnvironment(container.getEnvironmentMap())
        .setCreated(created)
        .setEntrypoint(ownEntrypoint ? container.getEntrypoint() : base.getEntrypoint())
        // the base's arguments go only with the base's entrypoint
        .setProgramArguments(ownEntrypoint || container.getProgramArguments() != null
            ? container.getProgramArguments() : base.getProgramArguments())
        .addExposedPorts(container.getExposedPorts())
        .addVolumes(container.getVolumes())
        .addLabels(container.getLabels());
    if (container.getUser() != null) {
      image.setUser(container.getUser());
    }
    if (container.getWorkingDirectory() != null) {
      image.setWorkingDirectory(container.getWorkingDirectory().toString());
    }
    return image.build();
  }

  private static ReferenceLayer reference(Layer layer) throws IOException {
    try {
      return new ReferenceLayer(new BlobDescriptor(layer.size(),
          DescriptorDigest.fromDigest(layer.digest())),
          DescriptorDigest.fromDigest(layer.diffId()));
    } catch (java.security.DigestException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static DescriptorDigest digest(byte[] bytes) throws IOException {
    try {
      return DescriptorDigest.fromHash(Sha256.of(bytes));
    } catch (java.security.DigestException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** jib's config and OCI manifest of {@code image}, then relpack's one change to them. */
  private static ConfigReplacer.Written relpacks(Image image, ImageSpec spec) throws IOException {
    ImageToJsonTranslator translator = new ImageToJsonTranslator(image);
    byte[] jibConfig = JsonTemplateMapper.toByteArray(translator.getContainerConfiguration());
    byte[] jibManifest = JsonTemplateMapper.toByteArray(translator.getManifestTemplate(
        OciManifestTemplate.class, new BlobDescriptor(jibConfig.length, digest(jibConfig))));
    byte[] config = ConfigRewrite.authors(jibConfig, spec.layers().size());
    byte[] manifest = ConfigRewrite.annotate(config == jibConfig ? jibManifest
        : ConfigRewrite.configDescriptor(jibManifest, "sha256:" + Sha256.of(config),
            config.length), spec.annotations());
    return new ConfigReplacer.Written(config, manifest);
  }
}
