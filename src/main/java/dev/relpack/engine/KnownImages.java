package dev.relpack.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.base.BaseImage;
import dev.relpack.image.ImageLayer;
import dev.relpack.image.ImageResult;
import dev.relpack.image.ImageSpec;
import dev.relpack.image.LayerEntry;
import dev.relpack.image.LayerResult;
import dev.relpack.io.PrivatePaths;
import dev.relpack.io.Sha256;
import dev.relpack.publish.Target;
import dev.relpack.release.ReleaseFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The images this user's builds pushed, each under a key made of everything that decides its
 * bytes: the target repository, relpack's version, the pinned base, the config and every layer's
 * files, named by the content store's units (each build checks a unit's content before it uses
 * it, so a unit's name is its content). A build whose key is here gives the target's tags to that
 * image, which the registry must still hold, instead of building it again: an unchanged release
 * costs a request or two instead of jib's set-up, its blob checks and a manifest push.
 *
 * <p>Kept in this user's private state directory, never in the shared cache: a key planted by
 * another job would have the build tag an image it did not build. Only registry targets on a
 * registry or scratch base get a key: a host or archive base's files are not named by their
 * content. An entry unused for {@link #UNUSED} is dropped.
 *
 * <p>The same store, in a directory of its own, keeps images under their {@link #shapeKey}: what
 * {@link ImageRevision} writes a changed release's image from.
 */
final class KnownImages {
  /** Bumped when what a key covers changes, so that no older entry is taken for a newer key. */
  private static final String KEY_FORMAT = "relpack known image 4";
  private static final String SHAPE_FORMAT = "relpack image shape 1";
  private static final String CHECK_FORMAT = "relpack boot check 2";
  static final Duration UNUSED = Duration.ofDays(30);
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  /** @param dir this user's private directory for them */
  KnownImages(Path dir) {
    this.dir = dir;
  }

  /**
   * The key of the image {@code spec} makes in {@code target}, or empty when it has none: the
   * target is not a registry, the base is not a registry image pinned by digest (or scratch), or
   * a layer takes a file from outside the content store.
   *
   * @param units the content store's units ({@code ContentStore.unitsUnder})
   */
  static Optional<String> key(ImageSpec spec, Target target, Path units) {
    return layerFiles(spec, units).flatMap(files -> key(spec, target, files));
  }

  /**
   * The key of every image {@code spec} could make in {@code target} with other files in its
   * layers: the same as {@link #key} but for the layers' files, of which only whether a layer
   * has any counts (jib leaves out a layer without). An image kept under it is one relpack can
   * write again with its own layers in place of that image's ({@code ConfigReplacer#revise}).
   */
  static Optional<String> shapeKey(ImageSpec spec, Target target) {
    return target.registryImage().flatMap(image -> key(SHAPE_FORMAT, spec, repository(image),
        Optional.empty()));
  }

  /** @param layerFiles the spec's {@link #layerFiles}, computed once per build */
  static Optional<String> key(ImageSpec spec, Target target, String layerFiles) {
    return target.registryImage().flatMap(image -> key(KEY_FORMAT, spec, repository(image),
        Optional.of(layerFiles)));
  }

  /**
   * The key of the boot check of {@code spec}'s release on its base ({@link KnownVerdicts}): what
   * the check reads, and relpack's version. It reads nothing else: the release's files, where
   * they lie, the image's environment and the base, pinned by digest; of a BEAM module only that
   * it is there (it opens no {@code .beam} file, which no loader maps: {@code
   * ReleaseFile.beamModule}), so a release whose modules alone changed, a one-module change,
   * takes the verdict of the build before. A file is named by its SHA-256
   * where {@code digests} knows it (the content store's lists), else by its place in the store,
   * which its unit's digest names, as the image's key names it.
   *
   * @param units the content store's units ({@code ContentStore.unitsUnder})
   */
  static Optional<String> checkKey(ImageSpec spec, Path units,
      Function<Path, Optional<String>> digests) {
    Optional<String> files = filesDigest(spec, units, (entry, place) -> {
      if (entry.directory()) {
        return Optional.of("");
      }
      if (ReleaseFile.beamModule(entry.target(), entry.directory(), entry.executable())) {
        return Optional.of("module"); // the check reads a script's #! line: only if executable
      }
      Optional<String> digest = digests.apply(entry.source());
      return digest.isPresent() ? digest.map(d -> "sha256:" + d)
          : place.get().map(at -> "at:" + at);
    });
    if (files.isEmpty()) {
      return Optional.empty();
    }
    // nor the image's labels, date, command or ports, which the check does not read: a CI job's
    // labels name its commit, and a verdict is for every pipeline of the same release and base
    BaseImage base = spec.base();
    Key key = new Key().add(CHECK_FORMAT).add(ToolVersion.full()).add(base.name())
        .add(base.digest().orElse("")).add(base.source().getClass().getSimpleName())
        .add(base.architecture().orElse("")).add(files.get())
        .addAll(spec.environment()).add(spec.architecture());
    return Optional.of(Sha256.of(key.toString()));
  }

  /**
   * What an image's key takes of the layers: each layer's name and files, a file named by its
   * place in the content store (the unit's digest and its path there), where it goes in the image
   * and its kind; empty when a file lies outside the store (its name does not say its content) or
   * the base is not pinned by its content (no key is made then). A release of 5,000 files makes
   * a text of about 1 MB, which is why it is hashed once per build, not once per key.
   *
   * @param units the content store's units ({@code ContentStore.unitsUnder})
   */
  static Optional<String> layerFiles(ImageSpec spec, Path units) {
    return filesDigest(spec, units, (entry, place) -> place.get());
  }

  /** How a key names a layer entry's content, given its place in the store when asked. */
  @FunctionalInterface
  private interface EntryContent {
    Optional<String> of(LayerEntry entry, Supplier<Optional<String>> place);
  }

  /**
   * The SHA-256 of each layer's name and files, each file by its {@code content}, where it goes
   * and its kind; empty when a file's content cannot be named or the base is not pinned by its
   * content (no key is made then).
   */
  private static Optional<String> filesDigest(ImageSpec spec, Path units, EntryContent content) {
    if (!pinned(spec.base())) {
      return Optional.empty();
    }
    Path root = units.toAbsolutePath().normalize();
    String rootPrefix = root + "/";
    Key text = new Key();
    text.add(spec.layers().size());
    for (ImageLayer layer : spec.layers()) {
      text.add(layer.name()).add(layer.entries().size());
      for (LayerEntry entry : layer.entries()) {
        Optional<String> named = content.of(entry, () -> inStore(entry.source(), root, rootPrefix));
        if (named.isEmpty()) {
          return Optional.empty();
        }
        text.add(named.get()).add(entry.target())
            .add((entry.directory() ? "d" : "f") + (entry.executable() ? "x" : "-"));
      }
    }
    return Optional.of(Sha256.of(text.toString()));
  }

  /**
   * {@code source} relative to the store's {@code root}, or empty when it lies elsewhere. The
   * store names its files by real, absolute paths, which need no normalising: those are compared
   * as strings, any other path the long way.
   */
  private static Optional<String> inStore(Path source, Path root, String rootPrefix) {
    String text = source.toString();
    if (text.startsWith(rootPrefix) && text.length() > rootPrefix.length()
        && !text.contains("/./") && !text.contains("/../") && !text.contains("//")
        && !text.endsWith("/.") && !text.endsWith("/..")) {
      return Optional.of(text.substring(rootPrefix.length()));
    }
    Path normal = source.toAbsolutePath().normalize();
    if (!normal.startsWith(root) || normal.equals(root)) {
      return Optional.empty();
    }
    return Optional.of(root.relativize(normal).toString());
  }

  private static boolean pinned(BaseImage base) {
    boolean byContent = base.source() instanceof BaseImage.ScratchSource
        || (base.source() instanceof BaseImage.RegistrySource && base.digest().isPresent());
    return byContent && base.files().isEmpty();
  }

  private static String repository(ImageReference image) {
    return image.getRegistry() + "/" + image.getRepository();
  }

  /** @param layerFiles the {@link #layerFiles}; empty for the shape key, which has none */
  private static Optional<String> key(String format, ImageSpec spec, String repository,
      Optional<String> layerFiles) {
    BaseImage base = spec.base();
    if (!pinned(base)) {
      return Optional.empty();
    }
    // Every value is written as its length, a colon and itself: no two inputs give one text.
    // A registry target's manifest format is relpack's choice, so its version covers it.
    Key text = new Key();
    text.add(format).add(ToolVersion.full()).add(repository)
        .add(base.name()).add(base.digest().orElse(""))
        .add(base.source().getClass().getSimpleName()).add(base.architecture().orElse(""))
        .add(spec.name()).add(spec.layers().size());
    if (layerFiles.isPresent()) {
      text.add(layerFiles.get());
    } else {
      for (ImageLayer layer : spec.layers()) {
        text.add(layer.name()).add(layer.entries().isEmpty() ? "empty" : "files");
      }
    }
    text.addAll(spec.entrypoint()).addAll(spec.cmd()).addAll(spec.environment())
        .addAll(spec.ports()).add(spec.user()).add(spec.workingDirectory())
        .addAll(spec.labels()).addAll(spec.annotations()).add(spec.created().toString())
        .add(spec.architecture());
    return Optional.of(Sha256.of(text.toString()));
  }

  /** The text a key is the SHA-256 of. */
  private static final class Key {
    private final StringBuilder text = new StringBuilder(4096);

    Key add(String value) {
      text.append(value.length()).append(':').append(value);
      return this;
    }

    Key add(int count) {
      return add(String.valueOf(count));
    }

    Key addAll(List<String> values) {
      add(values.size());
      values.forEach(this::add);
      return this;
    }

    Key addAll(Map<String, String> values) {
      add(values.size());
      values.forEach((name, value) -> add(name).add(value));
      return this;
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }

  /** Whether this store keeps any image at all: one that keeps none finds none. */
  boolean holdsAny() {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.json")) {
      return entries.iterator().hasNext();
    } catch (IOException | RuntimeException e) {
      return false; // no directory yet: a fresh state
    }
  }

  /**
   * The image kept under {@code key}, as a build that found every blob in the registry reports
   * it (nothing uploaded), with {@code tags}; empty when there is none this user alone wrote.
   */
  Optional<ImageResult> find(String key, List<String> tags) {
    try {
      Optional<byte[]> bytes = read(dir, key);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      Optional<ImageResult> image = result(JSON.readTree(bytes.get()), tags);
      if (image.isPresent()) {
        markUsed(dir, key);
      }
      return image;
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable or unknown: the image is built, and kept anew
    }
  }

  /**
   * The entry {@code key} names in {@code dir}, one of this store's or {@link KnownVerdicts}'s,
   * when it is there and this user's alone; empty for a key that is not a hex digest.
   */
  static Optional<byte[]> read(Path dir, String key) throws IOException {
    return KEY.matcher(key).matches() ? PrivatePaths.readMine(dir.resolve(key + ".json"))
        : Optional.empty();
  }

  /**
   * Keeps {@code entry} under {@code key} in {@code dir}, for this user alone, and drops the
   * entries unused for {@link #UNUSED}; nothing for a key that is not a hex digest.
   */
  static void write(Path dir, String key, byte[] entry) throws IOException {
    if (KEY.matcher(key).matches()) {
      PrivatePaths.writeMine(dir.resolve(key + ".json"), entry);
      dropUnused(dir);
    }
  }

  /** Says that the entry {@code key} is in use, so that it is not dropped. */
  static void markUsed(Path dir, String key) throws IOException {
    Files.setLastModifiedTime(dir.resolve(key + ".json"), FileTime.from(Instant.now()));
  }

  /**
   * Keeps {@code image} under {@code key} and drops entries unused for {@link #UNUSED}. Failing
   * to is harmless: the next build with this key builds the image again.
   */
  void remember(String key, ImageResult image) {
    if (!SHA256.matcher(image.digest()).matches()) {
      return;
    }
    ObjectNode entry = JSON.createObjectNode().put("digest", image.digest())
        .put("imageId", image.imageId());
    ArrayNode layers = entry.putArray("layers");
    for (LayerResult layer : image.layers()) {
      ObjectNode kept = layers.addObject().put("name", layer.name()).put("digest", layer.digest())
          .put("size", layer.size()).put("origin", layer.origin().name());
      if (layer.uncompressedSize().isPresent()) {
        kept.put("uncompressedSize", layer.uncompressedSize().getAsLong());
      } else {
        kept.putNull("uncompressedSize");
      }
    }
    try {
      write(dir, key, JSON.writeValueAsBytes(entry));
    } catch (IOException | RuntimeException e) {
      // not kept: the next build of these inputs builds the image again
    }
  }

  /**
   * The image an entry keeps: its digest, image ID and layers, enough to report the image as a
   * build of it would; empty for an entry not of that shape. Read as a tree, not bound to
   * records: binding's first use costs a fresh JVM about 20 ms (annotation proxies spun at run
   * time), which a warm build and a one-module change would pay for this entry alone.
   */
  private static Optional<ImageResult> result(JsonNode entry, List<String> tags) {
    Optional<String> digest = text(entry, "digest");
    JsonNode layers = entry.path("layers");
    if (digest.isEmpty() || !SHA256.matcher(digest.get()).matches() || !layers.isArray()
        || layers.isEmpty()) {
      return Optional.empty();
    }
    List<LayerResult> results = new ArrayList<>();
    for (JsonNode layer : layers) {
      Optional<String> name = text(layer, "name");
      Optional<String> blob = text(layer, "digest");
      Optional<String> origin = text(layer, "origin");
      JsonNode size = layer.path("size");
      JsonNode uncompressed = layer.path("uncompressedSize");
      if (name.isEmpty() || blob.isEmpty() || origin.isEmpty() || !isLong(size)
          || !(isLong(uncompressed) || uncompressed.isNull()) || !isOrigin(origin.get())) {
        return Optional.empty();
      }
      LayerResult.Origin kept = LayerResult.Origin.valueOf(origin.get());
      results.add(new LayerResult(name.get(), blob.get(), size.asLong(),
          kept == LayerResult.Origin.BASE ? kept : LayerResult.Origin.CACHED,
          uncompressed.isNull() ? OptionalLong.empty() : OptionalLong.of(uncompressed.asLong()),
          LayerResult.Delivery.PRESENT));
    }
    return Optional.of(new ImageResult(digest.get(), text(entry, "imageId").orElse(null), tags,
        results, 0, 0));
  }

  private static boolean isLong(JsonNode value) {
    return value.isIntegralNumber() && value.canConvertToLong();
  }

  private static boolean isOrigin(String name) {
    for (LayerResult.Origin origin : LayerResult.Origin.values()) {
      if (origin.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
  }

  /** Drops the entries of {@code dir} unused for {@link #UNUSED}. */
  private static void dropUnused(Path dir) throws IOException {
    Instant cutoff = Instant.now().minus(UNUSED);
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path file : entries.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
        if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }
}
