package dev.relpack.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.error.BadInputException;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.Printable;
import dev.relpack.io.Sha256;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An OCI image layout directory used as a base. jib reads only {@code docker save} archives, so
 * the chosen image is repacked into one (in the cache, once per manifest digest): same config,
 * same gzipped layers, so the layer digests do not change.
 */
final class OciLayoutBase {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final long MAX_JSON_BYTES = 8L << 20;

  private final Path cacheRoot;

  OciLayoutBase(Path cacheRoot) {
    this.cacheRoot = cacheRoot;
  }

  BaseImage resolve(BaseSpec.OciLayout spec, BaseContext context) throws IOException {
    Path dir = spec.dir();
    String display = "--from oci:" + dir + spec.refName().map(r -> ":" + r).orElse("");
    if (!Files.isRegularFile(dir.resolve("oci-layout")) || !Files.isRegularFile(dir.resolve("index.json"))) {
      throw new BadInputException(display + ": " + dir + " is not an OCI image layout"
          + " (no oci-layout and index.json)");
    }
    JsonNode index;
    try {
      if (Files.size(dir.resolve("index.json")) > MAX_JSON_BYTES) {
        throw new BadInputException(display + ": its index.json is over " + (MAX_JSON_BYTES >> 20)
            + " MiB");
      }
      index = JSON.readTree(dir.resolve("index.json").toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadInputException(display + ": " + dir.resolve("index.json") + " is not valid JSON");
    }
    JsonNode manifest = select(dir, index, spec, display);
    for (int depth = 0; isIndex(manifest) && depth < 4; depth++) {
      manifest = platform(dir, manifest, context, display);
    }
    String digest = manifest.path("digest").asText();
    JsonNode image = json(dir, digest, display);
    BasePlatform platform =
        BasePlatform.ofConfig(json(dir, image.path("config").path("digest").asText(), display));
    platform.check(display, context);
    String name = "oci:" + dir.getFileName() + spec.refName().map(r -> ":" + r).orElse("");
    return new BaseImage(name, Optional.of(digest),
        new BaseImage.ArchiveSource(repack(dir, digest, image, display, context)),
        platform.imageArchitecture(), null);
  }

  private static JsonNode select(Path dir, JsonNode index, BaseSpec.OciLayout spec, String display) {
    List<JsonNode> manifests = new ArrayList<>();
    index.path("manifests").forEach(manifests::add);
    if (spec.refName().isPresent()) {
      return manifests.stream()
          .filter(m -> spec.refName().get().equals(m.path("annotations").path(REF_NAME).asText()))
          .findFirst()
          .orElseThrow(() -> new BadInputException(display + ": no image named "
              + spec.refName().get() + " in " + dir + " (it has " + refNames(manifests) + ")"));
    }
    if (manifests.size() != 1) {
      throw new BadInputException(display + ": " + dir + " holds " + manifests.size()
          + " images; name one with oci:DIR:REF (it has " + refNames(manifests) + ")");
    }
    return manifests.get(0);
  }

  /** The entry of an index for the build's platform: the only choice relpack can make. */
  private static JsonNode platform(Path dir, JsonNode indexDescriptor, BaseContext context,
      String display) throws IOException {
    JsonNode index = json(dir, indexDescriptor.path("digest").asText(), display);
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
        .mismatch(display, context.architecture(), context.nativeArchitecture().isPresent());
  }

  private Path repack(Path dir, String digest, JsonNode image, String display,
      BaseContext context) throws IOException {
    Path bases = cacheRoot.resolve("bases");
    Files.createDirectories(bases);
    Path archive = bases.resolve("oci-" + digest.replace("sha256:", "") + ".tar");
    String config = image.path("config").path("digest").asText();
    List<String> layers = new ArrayList<>();
    for (JsonNode layer : image.path("layers")) {
      String type = layer.path("mediaType").asText();
      if (!type.endsWith("gzip")) {
        throw new BadInputException(display + ": layer " + layer.path("digest").asText()
            + " is " + type + "; jib needs gzip-compressed layers");
      }
      layers.add(layer.path("digest").asText());
    }
    List<String> blobNames = new ArrayList<>(List.of(hex(config) + ".json"));
    var layerNames = JSON.createArrayNode();
    for (String layer : layers) {
      blobNames.add(hex(layer) + ".tar.gz");
      layerNames.add(hex(layer) + ".tar.gz");
    }
    byte[] manifest = JSON.writeValueAsBytes(JSON.createArrayNode().add(
        JSON.createObjectNode().put("Config", hex(config) + ".json").set("Layers", layerNames)));
    if (Files.isRegularFile(archive)) {
      // the cache is not trusted: a repack is used only if every blob in it has its digest
      if (CachedArchives.holds(archive, blobNames, manifest)) {
        return archive;
      }
      context.log().accept(LogEvent.warn("cache entry " + archive + " does not match its digest"
          + " (changed or corrupt); writing it again"));
    }
    AtomicFiles.write(archive, tmp -> {
      try (TarArchiveOutputStream tar =
          new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)), "UTF-8")) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        add(tar, hex(config) + ".json", blob(dir, config, display), config, display);
        for (String layer : layers) {
          add(tar, hex(layer) + ".tar.gz", blob(dir, layer, display), layer, display);
        }
        TarArchiveEntry entry = new TarArchiveEntry("manifest.json");
        entry.setSize(manifest.length);
        tar.putArchiveEntry(entry);
        tar.write(manifest);
        tar.closeArchiveEntry();
      }
    });
    return archive;
  }

  /** Copies a blob into the archive, checking on the way that it is what its digest says. */
  private static void add(TarArchiveOutputStream tar, String name, Path file, String digest,
      String display) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(Files.size(file));
    tar.putArchiveEntry(entry);
    MessageDigest sha256 = Sha256.newDigest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
      in.transferTo(tar);
    }
    tar.closeArchiveEntry();
    requireDigest(HexFormat.of().formatHex(sha256.digest()), digest, display);
  }

  /** A JSON blob (manifest, index, config), bounded in size and checked against its digest. */
  private static JsonNode json(Path dir, String digest, String display) throws IOException {
    Path blob = blob(dir, digest, display);
    if (Files.size(blob) > MAX_JSON_BYTES) {
      throw new BadInputException(display + ": blob " + digest + " is " + Files.size(blob)
          + " bytes; manifests, indexes and configs over " + (MAX_JSON_BYTES >> 20)
          + " MiB are refused");
    }
    byte[] bytes = Files.readAllBytes(blob);
    requireDigest(Sha256.of(bytes), digest, display);
    try {
      return JSON.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadInputException(display + ": blob " + digest + " is not valid JSON");
    }
  }

  private static void requireDigest(String hex, String digest, String display) {
    String actual = "sha256:" + hex;
    if (!actual.equals(digest)) {
      throw new BadInputException(display + ": blob " + digest + " does not match its digest"
          + " (its content is " + actual + "); the layout is damaged or was tampered with");
    }
  }

  private static Path blob(Path dir, String digest, String display) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new BadInputException(display + ": unsupported digest " + digest);
    }
    Path blob = dir.resolve("blobs/sha256").resolve(hex(digest));
    if (!Files.isRegularFile(blob)) {
      throw new BadInputException(display + ": blob " + digest + " is missing from the layout");
    }
    try {
      if (!blob.toRealPath().startsWith(dir.toRealPath())) {
        throw new BadInputException(display + ": blob " + digest + " is a link to "
            + Printable.of(blob.toRealPath().toString()) + ", outside the layout; a base layout"
            + " must hold its own blobs");
      }
    } catch (IOException e) {
      throw new BadInputException(display + ": blob " + digest + " cannot be read: "
          + e.getMessage());
    }
    return blob;
  }

  private static boolean isIndex(JsonNode descriptor) {
    String type = descriptor.path("mediaType").asText();
    return type.contains("image.index") || type.contains("manifest.list");
  }

  private static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }

  private static String refNames(List<JsonNode> manifests) {
    List<String> names = manifests.stream()
        .map(m -> m.path("annotations").path(REF_NAME).asText(""))
        .filter(s -> !s.isEmpty()).toList();
    return names.isEmpty() ? "no named images" : String.join(", ", names);
  }
}
