package dev.relpack.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.relpack.format.dockerarchive.DockerArchiveReader;
import dev.relpack.io.Sha256;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The config and manifest a build pushes to a registry through jib, as relpack then names itself
 * in them ({@link ConfigRewrite}), worked out without running jib: jib's own image model, JSON
 * templates and writer are given the base as jib takes it (a registry image's manifest and config,
 * an archive's config and its layers as jib compresses them, or nothing), the spec's settings,
 * and each added layer's blob and diff ID, in the order and by the rules jib-core 0.28's build
 * step applies them (the base's settings first, then the container's over them; one history entry
 * per added layer; an entry per base layer its history leaves without one).
 *
 * <p>Used where an image is written without jib ({@code ImageRevision}), and only as a check: an
 * earlier image is written again when the result equals this, so a case this gets wrong costs a
 * jib build, never an image of other bytes. {@code PredictedImageIT} holds it to what jib pushes.
 */
public final class PredictedImage {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** An image with each part a build's base has: what {@link #warmUp} reads and writes. */
  private static final String WARM_UP_DIGEST = "sha256:" + "0".repeat(64);
  private static final String WARM_UP_MANIFEST = "{\"schemaVersion\":2,"
      + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
      + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
      + WARM_UP_DIGEST + "\",\"size\":1},\"layers\":[{"
      + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
      + WARM_UP_DIGEST + "\",\"size\":1}]}";
  private static final String WARM_UP_CONFIG = "{\"created\":\"1970-01-01T00:00:00Z\","
      + "\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
      + "\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\"],\"Labels\":{\"a\":\"b\"},"
      + "\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}},\"User\":\"0\","
      + "\"WorkingDir\":\"/\",\"Healthcheck\":{\"Test\":[\"NONE\"]}},"
      + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + WARM_UP_DIGEST + "\"]},"
      + "\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"warm-up\","
      + "\"author\":\"relpack\",\"comment\":\"base\"}]}";
  /** The most of an archive base's uncompressed layers compressed here to predict its blobs. */
  static final long COMPRESSED_HERE = 64L << 20;

  private PredictedImage() {}

  /** A layer put on the base: its name, its blob's digest and size, and its diff ID. */
  public record Layer(String name, String digest, long size, String diffId) {}

  /**
   * A base as jib's build step takes it: jib's model of it, whose layers carry the blobs the
   * image's manifest lists for them.
   */
  public static final class Base {
    private final Image image;

    private Base(Image image) {
      this.image = image;
    }

    /** Its layers' blobs, bottom first: digest and size. */
    public List<BlobDescriptor> layers() {
      return image.getLayers().stream().map(layer -> layer.getBlobDescriptor()).toList();
    }
  }

  /** No base: jib makes an empty image for the build's platform. */
  public static Base scratch(String architecture) {
    return new Base(Image.builder(OciManifestTemplate.class).setArchitecture(architecture)
        .setOs("linux").build());
  }

  /**
   * A registry image, from its manifest and config; empty for one jib builds on no other way (a
   * manifest of another kind, a config jib would refuse).
   */
  public static Optional<Base> registry(RegistryReader.ImageJson base) {
    try {
      return parsed(base).map(Base::new);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * A {@code docker save} archive as jib takes it: its first image's config, and each layer's
   * blob as it is stored when the first layer is gzip-compressed, else as jib compresses it
   * ({@link GZIPOutputStream}'s defaults) while it caches it. Empty when it cannot be read so, or
   * when its layers are uncompressed and more than {@value #COMPRESSED_HERE} bytes in all:
   * compressing them here as well as in jib, if the image turns out not to match, would cost more
   * than it can save.
   */
  public static Optional<Base> archive(Path tar) {
    return archive(tar, COMPRESSED_HERE);
  }

  /** @param compressedHere the most bytes of uncompressed layers compressed here */
  static Optional<Base> archive(Path tar, long compressedHere) {
    try {
      DockerArchiveReader.Image read = DockerArchiveReader.image(tar);
      byte[] config = DockerArchiveReader.configBytes(tar);
      boolean compressed = !read.layers().isEmpty() && gzipped(tar, read.layers().get(0));
      if (!compressed && java.nio.file.Files.size(tar) > compressedHere) {
        return Optional.empty();
      }
      V22ManifestTemplate manifest = new V22ManifestTemplate();
      for (DockerArchiveReader.Layer layer : read.layers()) {
        BlobDescriptor blob = blob(tar, layer, compressed);
        manifest.addLayer(blob.getSize(), blob.getDigest());
      }
      manifest.setContainerConfiguration(config.length, digest(config));
      return Optional.of(new Base(JsonToImageTranslator.toImage(manifest,
          JsonTemplateMapper.readJson(config, ContainerConfigurationTemplate.class))));
    } catch (IOException | RuntimeException
        | com.google.cloud.tools.jib.image.LayerCountMismatchException
        | com.google.cloud.tools.jib.image.json.BadContainerConfigurationFormatException e) {
      return Optional.empty(); // jib will say what is wrong with it, if anything
    }
  }

  private static boolean gzipped(Path tar, DockerArchiveReader.Layer layer) throws IOException {
    try (InputStream in = DockerArchiveReader.open(tar, layer)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  /** The layer's blob: the stored bytes, or what jib's compressor makes of them. */
  private static BlobDescriptor blob(Path tar, DockerArchiveReader.Layer layer,
      boolean compressed) throws IOException {
    MessageDigest sha256 = Sha256.newDigest();
    CountingOutputStream counted = new CountingOutputStream(
        new DigestOutputStream(OutputStream.nullOutputStream(), sha256));
    try (InputStream in = DockerArchiveReader.open(tar, layer)) {
      if (compressed) {
        in.transferTo(counted);
      } else {
        try (OutputStream gzip = new GZIPOutputStream(counted)) {
          in.transferTo(gzip);
        }
      }
    }
    return new BlobDescriptor(counted.count, digest(HexFormat.of().formatHex(sha256.digest())));
  }

  /** Counts what passes through. */
  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    private long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] bytes, int from, int length) throws IOException {
      out.write(bytes, from, length);
      count += length;
    }
  }

  /**
   * The config and manifest jib pushes for {@code spec} with {@code layers} on {@code base},
   * named relpack's; empty for settings jib's model refuses.
   *
   * @param layers the spec's layers that have files, in order (jib adds no layer for one
   *     without)
   * @param toolVersion the release line history entries record
   */
  public static Optional<ConfigReplacer.Written> of(ImageSpec spec, Base base,
      List<Layer> layers, String toolVersion) {
    try {
      return Optional.of(relpacks(built(base.image, container(spec), layers, toolVersion), spec));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // jib's model refused it: jib will say why, if it builds it
    }
  }

  /**
   * The config of {@link #of}, for layers of these diff IDs (by name, in the spec's order): it
   * depends on the layers only through their names and diff IDs, so it can be known before any
   * layer is compressed.
   */
  public static Optional<byte[]> config(ImageSpec spec, Base base, List<String> names,
      List<String> diffIds, String toolVersion) {
    List<Layer> layers = new java.util.ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      // the blob is not in the config: the diff ID stands in for it
      layers.add(new Layer(names.get(i), diffIds.get(i), 0, diffIds.get(i)));
    }
    return of(spec, base, layers, toolVersion).map(ConfigReplacer.Written::config);
  }

  /**
   * The base as jib's model reads it from a registry; empty for a manifest jib builds on no
   * other way.
   */
  private static Optional<Image> parsed(RegistryReader.ImageJson base) throws IOException {
    JsonNode manifest = JSON.readTree(base.manifest());
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
          JsonTemplateMapper.readJson(base.manifest(), template),
          JsonTemplateMapper.readJson(base.config(), ContainerConfigurationTemplate.class)));
    } catch (com.google.cloud.tools.jib.image.LayerCountMismatchException
        | com.google.cloud.tools.jib.image.LayerPropertyNotFoundException
        | com.google.cloud.tools.jib.image.json.BadContainerConfigurationFormatException e) {
      return Optional.empty();
    }
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
    return digest(Sha256.of(bytes));
  }

  private static DescriptorDigest digest(String hex) throws IOException {
    try {
      return DescriptorDigest.fromHash(hex);
    } catch (java.security.DigestException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * Reads and writes a small image through jib's model and JSON mapper, as {@link #registry} and
   * {@link #of} do, and throws the result away: Jackson builds its reader and writer of each of
   * jib's templates the first time it meets it, which took a build with a cold cache 110-170 ms
   * of one core after its layers were taken or compressed. Run where a core is idle, the build's
   * own prediction finds them made. Never fails: at worst the prediction makes them itself.
   *
   * @return whether the image was read and written, all of it (a test's concern: jib's model
   *     must keep taking the sample)
   */
  public static boolean warmUp() {
    try {
      Optional<Image> base = parsed(new RegistryReader.ImageJson(WARM_UP_DIGEST,
          WARM_UP_MANIFEST, WARM_UP_CONFIG));
      if (base.isPresent()) {
        Image image = built(base.get(), ContainerConfiguration.builder()
            .setEntrypoint(List.of("/app/bin/app")).setProgramArguments(List.of("start"))
            .setEnvironment(Map.of("LANG", "C.UTF-8")).setLabels(Map.of("a", "b"))
            .setUser("65534").setCreationTime(Instant.EPOCH).build(),
            List.of(new Layer("app", WARM_UP_DIGEST, 1, WARM_UP_DIGEST)), "warm-up");
        ImageToJsonTranslator translator = new ImageToJsonTranslator(image);
        byte[] config = JsonTemplateMapper.toByteArray(translator.getContainerConfiguration());
        JsonTemplateMapper.toByteArray(translator.getManifestTemplate(OciManifestTemplate.class,
            new BlobDescriptor(config.length, digest(config))));
        return true;
      }
    } catch (IOException | RuntimeException e) {
      // the prediction makes Jackson's readers and writers itself
    }
    return false;
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
