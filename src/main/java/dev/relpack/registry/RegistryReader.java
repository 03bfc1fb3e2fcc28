package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.error.BadInputException;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.RegistryException;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.DigestVerifyingInputStream;
import dev.relpack.io.Printable;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads manifests and configs from registries: to pin a base tag to the digest it points at now
 * and learn its platforms, to read back the layers of a pushed image, and to stream a base's
 * layers to the boot check. jib's build API exposes none of these, and its registry client reads
 * whatever a registry sends into memory; this reads with {@link RegistryHttp}, bounded by {@link
 * ReadLimits} (documents) or descriptor sizes (blobs) and a timeout, and checks everything
 * fetched by digest against that digest.
 */
public final class RegistryReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String MANIFEST_TYPES = String.join(", ", MediaTypes.OCI_MANIFEST,
      MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);

  private static final int MAX_NESTED_INDEXES = 4;
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private final RegistryAccess access;
  private final Function<String, RegistryProbe.Transport> transports;
  private final Duration timeout;
  private final ReadLimits limits;
  private final Optional<Memo> memo;

  /**
   * @param transports how each registry answered the probe
   * @param timeout the longest one request may take
   */
  public RegistryReader(RegistryAccess access,
      Function<String, RegistryProbe.Transport> transports, Duration timeout, ReadLimits limits) {
    this(access, transports, timeout, limits, Optional.empty());
  }

  private RegistryReader(RegistryAccess access,
      Function<String, RegistryProbe.Transport> transports, Duration timeout, ReadLimits limits,
      Optional<Memo> memo) {
    this.access = access;
    this.transports = transports;
    this.timeout = timeout;
    this.limits = limits;
    this.memo = memo;
  }

  /** The same reader, each request limited to {@code requestTimeout}. */
  public RegistryReader withTimeout(Duration requestTimeout) {
    return new RegistryReader(access, transports, requestTimeout, limits, memo);
  }

  /**
   * The same reader, taking manifests and configs from {@code memo} once read, by any reader
   * sharing it: a build reads its base twice (ahead of the check, then for it), and a registry
   * such as Docker Hub counts each manifest read as a pull. Only for images this build does not
   * push: a tag is taken as it was first read.
   */
  public RegistryReader withMemo(Memo memo) {
    return new RegistryReader(access, transports, timeout, limits, Optional.of(memo));
  }

  /**
   * Manifests (by the tag or digest they were asked by, and by their digest) and configs (by
   * digest) that readers sharing it have read.
   */
  public static final class Memo {
    private final Map<String, Fetched> manifests = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> configs = new ConcurrentHashMap<>();
    private final Optional<Path> kept;

    /** A memo of this build's reads only. */
    public Memo() {
      this(Optional.empty());
    }

    /**
     * @param kept where configs are also kept between builds, named by their digest: a config
     *     is content-addressed, so one found there is used when it hashes to its name (the
     *     directory may be a cache others can write), and a warm build on a registry base does
     *     not fetch it again
     */
    public Memo(Optional<Path> kept) {
      this.kept = kept;
    }

    private Optional<byte[]> kept(String digest, long limit) {
      if (kept.isEmpty() || !SHA256.matcher(digest).matches()) {
        return Optional.empty();
      }
      Path file = kept.get().resolve(digest.substring("sha256:".length()));
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty(); // not a link, and not a fifo, whose opening would wait
      }
      // read through no link and no further than the limit: whoever can write the cache may
      // swap the file between the check and the read
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
        return bytes.length <= limit && digest.equals("sha256:" + Sha256.of(bytes))
            ? Optional.of(bytes) : Optional.empty();
      } catch (IOException | RuntimeException e) {
        return Optional.empty(); // fetched instead
      }
    }

    private void keep(String digest, byte[] bytes) {
      if (kept.isEmpty() || !SHA256.matcher(digest).matches()) {
        return;
      }
      try {
        Files.createDirectories(kept.get());
        AtomicFiles.write(kept.get().resolve(digest.substring("sha256:".length())), bytes);
      } catch (IOException | RuntimeException e) {
        // the next build fetches it
      }
    }
  }

  /** Tags manifests on the same registries, with the same transports, limits and timeout. */
  public ManifestTagger tagger() {
    return new ManifestTagger(this::client, limits);
  }

  /** Replaces image configs on the same registries, with the same transports and limits. */
  public ConfigReplacer configReplacer() {
    return new ConfigReplacer(this::client, limits);
  }

  /** Attaches artifacts to manifests on the same registries, with the same transports and limits. */
  public ReferrerAttacher referrers() {
    return new ReferrerAttacher(this::client, limits);
  }

  /** A manifest's digest and, for image manifests, its layers. */
  public record Manifest(String digest, List<Descriptor> layers) {}

  /** A blob: its digest, size in bytes and media type (empty when the manifest gives none). */
  public record Descriptor(String digest, long size, String mediaType) {}

  /**
   * The image of a base for one platform, as the boot check reads it.
   *
   * @param digest the image manifest's digest (an index entry's, when the base is an index)
   * @param layers its layers, bottom first
   * @param env its config's {@code Env}, {@code NAME=value} each, in order
   */
  public record PlatformImage(String digest, List<Descriptor> layers, List<String> env) {
    public PlatformImage {
      layers = List.copyOf(layers);
      env = List.copyOf(env);
    }
  }

  /** Reads a blob's body, which it is handed as a stream; what it returns, {@link #blob} does. */
  @FunctionalInterface
  public interface BlobReader<T> {
    T read(InputStream body) throws IOException;
  }

  /**
   * What an image offers: its digest and platforms, one per entry when it is an index (entries
   * without a platform left out); for an image, its config's, or none when it has no config.
   */
  public record Offered(String digest, List<Platform> platforms, boolean index) {}

  /** The digest {@code image} (a tag or a digest) resolves to now, and its layers. */
  public Manifest read(ImageReference image, Optional<Credential> credential) {
    Fetched manifest = manifest(client(image, credential), image);
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode layer : manifest.json().path("layers")) {
      layers.add(new Descriptor(layer.path("digest").asText(), layer.path("size").asLong(),
          layer.path("mediaType").asText("")));
    }
    return new Manifest(manifest.digest(), layers);
  }

  /** The digest {@code image} resolves to now and the platforms it offers. */
  public Offered offered(ImageReference image, Optional<Credential> credential) {
    RegistryHttp http = client(image, credential);
    Fetched manifest = manifest(http, image);
    JsonNode json = manifest.json();
    if (json.has("manifests")) {
      List<Platform> platforms = new ArrayList<>();
      for (JsonNode entry : json.path("manifests")) {
        JsonNode platform = entry.path("platform");
        if (platform.isObject()) {
          platforms.add(new Platform(platform.path("architecture").asText(),
              platform.path("os").asText()));
        }
      }
      return new Offered(manifest.digest(), platforms, true);
    }
    JsonNode config = json.path("config");
    if (!config.isObject() || !config.path("digest").isTextual()) {
      return new Offered(manifest.digest(), List.of(), false); // schema 1, or no config at all
    }
    JsonNode platform = config(http, image, config.path("digest").asText());
    return new Offered(manifest.digest(), List.of(new Platform(
        platform.path("architecture").asText("unknown"), platform.path("os").asText("unknown"))),
        false);
  }

  /**
   * The image {@code image} is for linux/{@code architecture}: itself when it is one image (its
   * platform is checked where the base is resolved), the entry for that platform when it is an
   * index (nested indexes followed a few levels deep); with its layers and its config's Env.
   *
   * @throws CheckFailedException when an index has no entry for linux/{@code architecture}
   */
  public PlatformImage image(ImageReference image, Optional<Credential> credential,
      String architecture) {
    RegistryHttp http = client(image, credential);
    Fetched manifest = platformManifest(http, image, architecture);
    List<Descriptor> layers = layers(manifest, image);
    JsonNode json = config(http, image, configDigest(manifest, image));
    List<String> env = new ArrayList<>();
    json.path("config").path("Env").forEach(variable -> env.add(variable.asText()));
    return new PlatformImage(manifest.digest(), layers, env);
  }

  /**
   * An image's manifest and config as JSON text, checked against their digests (as read; the
   * text is the JSON read, not the bytes served).
   *
   * @param digest the manifest's digest
   */
  public record ImageJson(String digest, String manifest, String config) {}

  /**
   * The manifest and config of the image {@code image} is for linux/{@code architecture}, chosen
   * as {@link #image} chooses it (read once per build when the reader keeps what it read).
   */
  public ImageJson json(ImageReference image, Optional<Credential> credential,
      String architecture) {
    RegistryHttp http = client(image, credential);
    Fetched manifest = platformManifest(http, image, architecture);
    return new ImageJson(manifest.digest(), manifest.json().toString(),
        config(http, image, configDigest(manifest, image)).toString());
  }

  /**
   * An image as its config describes its layers, read to reuse them.
   *
   * @param digest the image manifest's digest
   * @param layers bottom first
   */
  public record BuiltImage(String digest, List<BuiltLayer> layers) {
    public BuiltImage {
      layers = List.copyOf(layers);
    }
  }

  /**
   * A layer of a {@link BuiltImage}.
   *
   * @param blob its blob
   * @param diffId the digest of its uncompressed content, as the config's {@code rootfs} gives it
   * @param author the {@code author} of the history entry that made it, when the history names
   *     one entry per layer
   * @param createdBy that entry's {@code created_by}, likewise
   */
  public record BuiltLayer(Descriptor blob, String diffId, Optional<String> author,
      Optional<String> createdBy) {}

  /**
   * The layers of {@code image} for linux/{@code architecture} (chosen as {@link #image} does),
   * each with its diff ID and the history entry that made it.
   *
   * @throws BadInputException when the image does not exist
   */
  public BuiltImage built(ImageReference image, Optional<Credential> credential,
      String architecture) {
    RegistryHttp http = client(image, credential);
    Fetched manifest = platformManifest(http, image, architecture);
    List<Descriptor> blobs = layers(manifest, image);
    JsonNode config = config(http, image, configDigest(manifest, image));
    JsonNode diffIds = config.path("rootfs").path("diff_ids");
    if (!diffIds.isArray() || diffIds.size() != blobs.size()) {
      throw new RegistryException("registry " + image.getRegistry() + " served an image " + image
          + " whose config lists " + diffIds.size() + " diff IDs for " + blobs.size()
          + " layers", null);
    }
    List<JsonNode> history = new ArrayList<>();
    config.path("history").forEach(entry -> {
      if (!entry.path("empty_layer").asBoolean(false)) {
        history.add(entry);
      }
    });
    boolean paired = history.size() == blobs.size();
    List<BuiltLayer> layers = new ArrayList<>();
    for (int i = 0; i < blobs.size(); i++) {
      Optional<JsonNode> entry = paired ? Optional.of(history.get(i)) : Optional.empty();
      layers.add(new BuiltLayer(blobs.get(i),
          requireDigest(diffIds.get(i).asText(), "a diff ID", image),
          entry.map(e -> e.path("author")).filter(JsonNode::isTextual).map(JsonNode::asText),
          entry.map(e -> e.path("created_by")).filter(JsonNode::isTextual).map(JsonNode::asText)));
    }
    return new BuiltImage(manifest.digest(), layers);
  }

  /** The image manifest for linux/{@code architecture}: {@code image}'s, or its index entry's. */
  private Fetched platformManifest(RegistryHttp http, ImageReference image, String architecture) {
    Fetched manifest = manifest(http, image);
    for (int depth = 0; manifest.json().has("manifests"); depth++) {
      if (depth == MAX_NESTED_INDEXES) {
        throw new RegistryException("registry " + image.getRegistry() + " served indexes nested"
            + " more than " + MAX_NESTED_INDEXES + " deep for " + image, null);
      }
      String entry = entryFor(manifest.json(), architecture).orElseThrow(() ->
          new CheckFailedException(image + " has no linux/" + architecture + " image: its index"
              + " lists none; choose a base that offers linux/" + architecture));
      manifest = manifest(http, ImageReference.of(image.getRegistry(), image.getRepository(),
          null, requireDigest(entry, "an index entry", image)));
    }
    JsonNode config = manifest.json().path("config");
    if (!config.path("digest").isTextual() || !manifest.json().path("layers").isArray()) {
      throw new BadInputException(image + " is not a schema 2 or OCI image (its manifest has no"
          + " config or no layers); push it again with a current client");
    }
    return manifest;
  }

  private static String configDigest(Fetched manifest, ImageReference image) {
    return requireDigest(manifest.json().path("config").path("digest").asText(), "its config",
        image);
  }

  private static List<Descriptor> layers(Fetched manifest, ImageReference image) {
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode layer : manifest.json().path("layers")) {
      long size = layer.path("size").asLong(-1);
      if (size < 0) {
        throw new RegistryException("registry " + image.getRegistry() + " served a manifest of "
            + image + " whose layer " + layer.path("digest").asText() + " has no size", null);
      }
      layers.add(new Descriptor(requireDigest(layer.path("digest").asText(), "a layer", image),
          size, layer.path("mediaType").asText("")));
    }
    return layers;
  }

  /**
   * Streams the blob {@code blob} names to {@code reader}: held to the descriptor's size, within
   * the request timeout, and checked against its digest as it is read (a mismatch is a {@link
   * RegistryException} thrown from the read that reaches its end, so what the reader writes from
   * it can be given up; the rest of the body is read and checked if the reader leaves some).
   *
   * @return what {@code reader} returned
   */
  public <T> T blob(ImageReference image, Optional<Credential> credential, Descriptor blob,
      BlobReader<T> reader) {
    String digest = requireDigest(blob.digest(), "a blob", image);
    String what = "blob " + digest + " of " + image;
    List<T> result = new ArrayList<>(1);
    int status = client(image, credential).stream("blobs/" + digest, blob.size(), what, body -> {
      InputStream checked = new DigestVerifyingInputStream(body, digest, actual ->
          new RegistryException("registry " + image.getRegistry() + " served " + what
              + " with content whose digest is " + actual, null));
      T value = reader.read(checked);
      checked.close(); // reads and checks what the reader left; not on failure: no use then
      result.add(value);
    });
    if (status / 100 != 2) {
      throw new RegistryException("registry " + image.getRegistry() + " answered HTTP " + status
          + " for " + what, null);
    }
    return result.get(0);
  }

  /** The digest of the index entry for linux/{@code architecture}, the first if several. */
  private static Optional<String> entryFor(JsonNode index, String architecture) {
    for (JsonNode entry : index.path("manifests")) {
      JsonNode platform = entry.path("platform");
      if (architecture.equals(platform.path("architecture").asText())
          && "linux".equals(platform.path("os").asText())) {
        return Optional.of(entry.path("digest").asText());
      }
    }
    return Optional.empty();
  }

  /**
   * A digest from a manifest, which becomes part of a URL and of a cache path: only
   * {@code sha256:} and 64 hex digits.
   */
  private static String requireDigest(String digest, String of, ImageReference image) {
    if (!SHA256.matcher(digest).matches()) {
      throw new RegistryException("registry " + image.getRegistry() + " served a manifest of "
          + image + " giving " + of + " the digest " + Printable.of(digest) + ", which is not a"
          + " sha256 digest", null);
    }
    return digest;
  }

  private RegistryHttp client(ImageReference image, Optional<Credential> credential) {
    return new RegistryHttp(image.getRegistry(), image.getRepository(),
        transports.apply(image.getRegistry()), access, credential, timeout, limits);
  }

  /** A document as fetched: its digest, and its JSON. */
  private record Fetched(String digest, JsonNode json) {}

  private Fetched manifest(RegistryHttp http, ImageReference image) {
    String asked = memoKey(image, image.getQualifier());
    Optional<Fetched> known = memo.map(m -> m.manifests.get(asked));
    if (known.isPresent()) {
      return known.get();
    }
    Fetched fetched = fetchManifest(http, image);
    memo.ifPresent(m -> {
      m.manifests.put(asked, fetched);
      m.manifests.put(memoKey(image, fetched.digest()), fetched);
    });
    return fetched;
  }

  private static String memoKey(ImageReference image, String qualifier) {
    return image.getRegistry() + "/" + image.getRepository() + "@" + qualifier;
  }

  private Fetched fetchManifest(RegistryHttp http, ImageReference image) {
    String what = "the manifest of " + image;
    RegistryHttp.Response response =
        http.get("manifests/" + image.getQualifier(), MANIFEST_TYPES, limits.manifest(), what);
    if (response.status() == 404) {
      throw new BadInputException("image " + image + " not found in its registry");
    }
    if (response.status() / 100 != 2) {
      throw new RegistryException("registry " + image.getRegistry() + " answered HTTP "
          + response.status() + " for " + what, null);
    }
    String digest = "sha256:" + Sha256.of(response.body());
    image.getDigest().filter(asked -> !asked.equals(digest)).ifPresent(asked -> {
      throw new RegistryException("registry " + image.getRegistry() + " served " + what
          + " with digest " + digest + ", not the one asked for", null);
    });
    return new Fetched(digest, json(response.body(), what, image));
  }

  private JsonNode config(RegistryHttp http, ImageReference image, String digest) {
    String key = memoKey(image, digest);
    Optional<JsonNode> known = memo.map(m -> m.configs.get(key));
    if (known.isPresent()) {
      return known.get();
    }
    String what = "the config blob " + digest + " of " + image;
    Optional<byte[]> kept = memo.flatMap(m -> m.kept(digest, limits.config()));
    byte[] bytes = kept.isPresent() ? kept.get() : fetchConfig(http, image, digest, what);
    JsonNode config = json(bytes, what, image);
    memo.ifPresent(m -> {
      m.configs.put(key, config);
      if (kept.isEmpty()) {
        m.keep(digest, bytes);
      }
    });
    return config;
  }

  private byte[] fetchConfig(RegistryHttp http, ImageReference image, String digest,
      String what) {
    RegistryHttp.Response response = http.get("blobs/" + digest, "*/*", limits.config(), what);
    if (response.status() / 100 != 2) {
      throw new RegistryException("registry " + image.getRegistry() + " answered HTTP "
          + response.status() + " for " + what, null);
    }
    return http.requireDigest(response, digest, what);
  }

  private static JsonNode json(byte[] body, String what, ImageReference image) {
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || !json.isObject()) {
        throw new IOException("not a JSON object");
      }
      return json;
    } catch (IOException e) {
      throw new RegistryException("registry " + image.getRegistry() + " served " + what
          + " that is not JSON", e);
    }
  }
}
