package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.InternalException;
import dev.relpack.error.RegistryException;
import dev.relpack.format.ConfigRewrite;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Replaces the config of an image a registry holds, through the registry API: GET the manifest
 * by digest and its config, change the config, upload it (one monolithic POST and PUT), and PUT
 * the manifest pointing at it under each tag. The layers are not touched. The manifest it
 * replaces stays in the registry, untagged. {@link #revise} does the same with other top layers
 * in place of the image's own.
 */
public final class ConfigReplacer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private final BiFunction<ImageReference, Optional<Credential>, RegistryHttp> clients;
  private final ReadLimits limits;

  /**
   * @param clients a client for a repository, with the reader's transports, access and timeout
   */
  ConfigReplacer(BiFunction<ImageReference, Optional<Credential>, RegistryHttp> clients,
      ReadLimits limits) {
    this.clients = clients;
    this.limits = limits;
  }

  /** How the config changes; returns its argument when it does not. */
  @FunctionalInterface
  public interface Change {
    byte[] apply(byte[] config) throws IOException;
  }

  /**
   * The image as it is once replaced.
   *
   * @param digest its manifest's digest
   * @param configDigest its config's digest (the image ID)
   * @param layers its layers, base layers first
   */
  public record Image(String digest, String configDigest,
      List<RegistryReader.Descriptor> layers) {
    public Image {
      layers = List.copyOf(layers);
    }
  }

  /**
   * An image as the registry serves it, read and checked against its digests, ready for
   * {@link #replace}. Nothing has been written when it is made.
   */
  public static final class Pushed {
    private final RegistryHttp http;
    private final String name;
    private final String digest;
    private final byte[] manifest;
    private final String mediaType;
    private final String configDigest;
    private final byte[] config;
    private final List<RegistryReader.Descriptor> layers;

    private Pushed(RegistryHttp http, String name, String digest, byte[] manifest,
        String mediaType, String configDigest, byte[] config,
        List<RegistryReader.Descriptor> layers) {
      this.http = http;
      this.name = name;
      this.digest = digest;
      this.manifest = manifest;
      this.mediaType = mediaType;
      this.configDigest = configDigest;
      this.config = config;
      this.layers = List.copyOf(layers);
    }

    /** The manifest's digest, as jib pushed it. */
    public String digest() {
      return digest;
    }

    /** The config's digest, as jib pushed it. */
    public String configDigest() {
      return configDigest;
    }

    public List<RegistryReader.Descriptor> layers() {
      return layers;
    }
  }

  /**
   * Reads the image manifest {@code digest} of {@code repository} and its config.
   *
   * @throws RegistryException when the registry does not serve them as they were pushed
   */
  public Pushed read(ImageReference repository, Optional<Credential> credential, String digest) {
    if (!SHA256.matcher(digest).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    String registry = repository.getRegistry();
    String name = registry + "/" + repository.getRepository();
    RegistryHttp http = clients.apply(repository, credential);
    String what = "the manifest " + digest + " of " + name;
    byte[] manifest = verified(http, http.get("manifests/" + digest,
        RegistryReader.MANIFEST_TYPES, limits.manifest(), what), digest, what);
    JsonNode json = parse(manifest, what, registry);
    String mediaType = json.path("mediaType").asText("");
    String configDigest = json.path("config").path("digest").asText("");
    if (mediaType.isEmpty() || !SHA256.matcher(configDigest).matches()) {
      throw new RegistryException("registry " + registry + " served " + what + " without a media"
          + " type or a sha256 config digest", null);
    }
    List<RegistryReader.Descriptor> layers = layersOf(json);
    String configWhat = "the config " + configDigest + " of " + name;
    byte[] config = verified(http, http.get("blobs/" + configDigest, "*/*", limits.config(),
        configWhat), configDigest, configWhat);
    return new Pushed(http, name, digest, manifest, mediaType, configDigest, config, layers);
  }

  /**
   * Replaces the config of {@code pushed} by what {@code change} makes of it, adds
   * {@code annotations} to its manifest ({@link ConfigRewrite#annotate}), and tags the new
   * manifest with each of {@code tags}. When neither changes anything, nothing is written.
   *
   * @throws RegistryException when the registry refuses the upload or a tag
   */
  public Image replace(Pushed pushed, Change change, Map<String, String> annotations,
      List<String> tags) {
    RegistryHttp http = pushed.http;
    String registry = http.registry();
    String name = pushed.name;
    byte[] changed;
    byte[] newManifest;
    try {
      changed = change.apply(pushed.config);
      newManifest = ConfigRewrite.annotate(changed == pushed.config ? pushed.manifest
          : ConfigRewrite.configDescriptor(pushed.manifest, "sha256:" + Sha256.of(changed),
              changed.length), annotations);
      if (newManifest == pushed.manifest) {
        return new Image(pushed.digest, pushed.configDigest, pushed.layers);
      }
    } catch (IOException e) {
      throw new RegistryException("registry " + registry + " served the manifest "
          + pushed.digest + " of " + name + " or its config in a form relpack cannot change: "
          + e.getMessage(), e);
    }
    String newConfig = "sha256:" + Sha256.of(changed);
    http.uploadBlob(changed, newConfig, "the config " + newConfig + " to " + name);
    return write(pushed, newConfig, newManifest, tags, pushed.layers);
  }

  /** A layer put on top of an image by {@link #revision}: its blob, and how it is described. */
  public record TopLayer(String digest, long size, String diffId, Path blob) {}

  /**
   * The image {@link #revise} wrote.
   *
   * @param uploaded the digests of the top layers' blobs it uploaded (the registry lacked them)
   * @param uploadedBytes the bytes of every blob it uploaded, the config's too
   * @param uploadedBlobs how many blobs it uploaded, the config too
   * @param mounted the digests of the top layers' blobs the registry mounted from the base's
   *     repository ({@link #writeNew}; none for {@link #revise})
   */
  public record Revised(Image image, Set<String> uploaded, long uploadedBytes,
      int uploadedBlobs, Set<String> mounted) {
    public Revised {
      uploaded = Set.copyOf(uploaded);
      mounted = Set.copyOf(mounted);
    }
  }

  /** An image's config and manifest, as written to a registry. */
  public record Written(byte[] config, byte[] manifest) {
    /** Whether both are byte for byte those of {@code other}. */
    public boolean same(Written other) {
      return Arrays.equals(config, other.config) && Arrays.equals(manifest, other.manifest);
    }

    /**
     * The manifest as a registry will hold it once written: its digest, size and media type (its
     * own {@code mediaType}, which is what it is put as; OCI's when it names none).
     */
    public RegistryReader.Descriptor manifestDescriptor() {
      try {
        return new RegistryReader.Descriptor("sha256:" + Sha256.of(manifest), manifest.length,
            JSON.readTree(manifest).path("mediaType").asText(MediaTypes.OCI_MANIFEST));
      } catch (IOException e) {
        throw new InternalException("the manifest to write is not JSON: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The config of the {@link #revision} for top layers of these diff IDs: all of the image's
   * revision that does not depend on the layers' blobs.
   *
   * @throws RegistryException as {@link #revision}
   */
  public static byte[] revisedConfig(Pushed pushed, int baseLayers, List<String> topDiffIds,
      int added) {
    requireLayers(pushed, baseLayers, topDiffIds.size());
    try {
      return ConfigRewrite.authors(ConfigRewrite.topDiffIds(pushed.config, topDiffIds), added);
    } catch (IOException e) {
      throw unchangeable(pushed, e);
    }
  }

  private static void requireLayers(Pushed pushed, int baseLayers, int top) {
    if (pushed.layers.size() != baseLayers + top) {
      throw new RegistryException("the manifest " + pushed.digest + " of " + pushed.name
          + " has " + pushed.layers.size() + " layers, not the " + baseLayers + " of its base and"
          + " the " + top + " to put on them", null);
    }
  }

  /** The layers a manifest names, bottom first. */
  private static List<RegistryReader.Descriptor> layersOf(JsonNode manifest) {
    List<RegistryReader.Descriptor> layers = new ArrayList<>();
    for (JsonNode layer : manifest.path("layers")) {
      layers.add(new RegistryReader.Descriptor(layer.path("digest").asText(),
          layer.path("size").asLong(), layer.path("mediaType").asText("")));
    }
    return layers;
  }

  private static RegistryException unchangeable(Pushed pushed, IOException e) {
    return new RegistryException("registry " + pushed.http.registry() + " served the manifest "
        + pushed.digest + " of " + pushed.name + " or its config in a form relpack cannot"
        + " change: " + e.getMessage(), e);
  }

  /**
   * The image {@code pushed} would be with {@code top} on its {@code baseLayers} base layers, in
   * order, in place of its own top layers, worked out without writing anything: their digests
   * and sizes in the manifest and their diff IDs in the config replace those of its last
   * {@code top.size()} layers, and nothing else changes but what {@link #replace} changes
   * (relpack named as the author of the last {@code added} history entries, the annotations).
   * That is byte for byte the image jib builds from the same base, config and layers: what jib
   * writes depends on the layers only through those values. {@link #revise} writes it.
   *
   * @throws RegistryException when the manifest or config has fewer layers or is written in a
   *     form relpack cannot change
   */
  public static Written revision(Pushed pushed, int baseLayers, List<TopLayer> top, int added,
      Map<String, String> annotations) {
    requireLayers(pushed, baseLayers, top.size());
    try {
      byte[] config = ConfigRewrite.authors(ConfigRewrite.topDiffIds(pushed.config,
          top.stream().map(TopLayer::diffId).toList()), added);
      byte[] manifest = ConfigRewrite.annotate(ConfigRewrite.configDescriptor(
          ConfigRewrite.topLayers(pushed.manifest, top.stream()
              .map(layer -> new ConfigRewrite.Layer(layer.digest(), layer.size())).toList()),
          "sha256:" + Sha256.of(config), config.length), annotations);
      return new Written(config, manifest);
    } catch (IOException e) {
      throw unchangeable(pushed, e);
    }
  }

  /**
   * Writes {@code revision}, what {@link #revision} gave for {@code pushed} and {@code top}, as
   * it is: the top layers' blobs the registry lacks and the revision's config are uploaded all
   * at once ({@link AtOnce}), then the manifest by digest and under each of {@code tags}. The
   * bytes written are the ones the caller worked out (and may have compared, or announced).
   *
   * @throws RegistryException when the registry refuses an upload or a tag
   */
  public Revised revise(Pushed pushed, Written revision, List<TopLayer> top, List<String> tags) {
    byte[] config = revision.config();
    List<RegistryHttp.Sent> sent = AtOnce.all(uploads(pushed.http, pushed.name, top, config,
        null));
    List<RegistryReader.Descriptor> layers = new ArrayList<>(
        pushed.layers.subList(0, pushed.layers.size() - top.size()));
    for (int i = 0; i < top.size(); i++) {
      RegistryReader.Descriptor old = pushed.layers.get(pushed.layers.size() - top.size() + i);
      layers.add(new RegistryReader.Descriptor(top.get(i).digest(), top.get(i).size(),
          old.mediaType()));
    }
    return revised(write(pushed, "sha256:" + Sha256.of(config), revision.manifest(), tags,
        layers), top, sent, config.length);
  }

  /**
   * Uploads of the top layers' blobs the registry lacks (mounted from {@code mountFrom} of the
   * same registry instead when it holds them, if not null), then of the config. A layer of an
   * image the repository holds is asked for too: a blob can be deleted from a repository that
   * still holds a manifest naming it.
   */
  private static List<Callable<RegistryHttp.Sent>> uploads(RegistryHttp http, String name,
      List<TopLayer> top, byte[] config, String mountFrom) {
    String configDigest = "sha256:" + Sha256.of(config);
    List<Callable<RegistryHttp.Sent>> uploads = new ArrayList<>();
    for (TopLayer layer : top) {
      uploads.add(() -> http.sendBlob(layer.blob(), layer.digest(), mountFrom,
          "the layer " + layer.digest() + " to " + name));
    }
    uploads.add(() -> http.uploadBlob(config, configDigest,
        "the config " + configDigest + " to " + name) ? RegistryHttp.Sent.UPLOADED
            : RegistryHttp.Sent.PRESENT);
    return uploads;
  }

  /**
   * {@code image} with what {@link #uploads} did: {@code sent} holds a result per top layer,
   * then the config's.
   */
  private static Revised revised(Image image, List<TopLayer> top, List<RegistryHttp.Sent> sent,
      int configLength) {
    Set<String> uploaded = new LinkedHashSet<>();
    Set<String> mounted = new LinkedHashSet<>();
    long bytes = 0;
    for (int i = 0; i < top.size(); i++) {
      if (sent.get(i) == RegistryHttp.Sent.UPLOADED) {
        uploaded.add(top.get(i).digest());
        bytes += top.get(i).size();
      } else if (sent.get(i) == RegistryHttp.Sent.MOUNTED) {
        mounted.add(top.get(i).digest());
      }
    }
    boolean configSent = sent.get(top.size()) == RegistryHttp.Sent.UPLOADED;
    return new Revised(image, uploaded, bytes + (configSent ? configLength : 0),
        uploaded.size() + (configSent ? 1 : 0), mounted);
  }

  /**
   * Writes {@code written}, the config and manifest of an image {@code repository} never held,
   * whose last {@code top.size()} layers are {@code top} and whose others are the base's, blobs
   * of {@code baseRepository} on the same registry: each base layer is mounted from there (the
   * registry copies nothing it holds already), the top layers' blobs the registry lacks are
   * mounted from there too when it holds them, as jib does, else uploaded, and so is the config,
   * all at once; then the manifest is put under each of {@code tags}.
   * Empty, with no manifest written, when the registry does not mount a base layer.
   *
   * @throws RegistryException when the registry refuses an upload or a tag, or {@code written}
   *     is not a manifest of that many layers
   */
  public Optional<Revised> writeNew(ImageReference repository, Optional<Credential> credential,
      ImageReference baseRepository, Written written, List<TopLayer> top, List<String> tags) {
    String registry = repository.getRegistry();
    String name = registry + "/" + repository.getRepository();
    JsonNode manifest = parse(written.manifest(), "the manifest to write to " + name, registry);
    List<RegistryReader.Descriptor> layers = layersOf(manifest);
    int base = layers.size() - top.size();
    for (int i = 0; i < top.size(); i++) {
      if (base < 0 || !layers.get(base + i).digest().equals(top.get(i).digest())) {
        throw new InternalException("the manifest to write to " + name + " does not end with"
            + " the " + top.size() + " layers to put on its base", null);
      }
    }
    RegistryHttp http = clients.apply(repository, credential);
    String from = baseRepository.getRepository();
    List<Callable<RegistryHttp.Sent>> requests = new ArrayList<>();
    for (RegistryReader.Descriptor layer : layers.subList(0, base)) {
      requests.add(() -> http.mountBlob(layer.digest(), from, "the base layer " + layer.digest()
          + " from " + registry + "/" + from + " to " + name));
    }
    // the base's repository may hold a top layer too (an image built on one of relpack's)
    requests.addAll(uploads(http, name, top, written.config(), from));
    List<RegistryHttp.Sent> done = AtOnce.all(requests);
    if (done.subList(0, base).contains(RegistryHttp.Sent.NOT_MOUNTED)) {
      return Optional.empty();
    }
    Image image = putManifest(http, name,
        manifest.path("mediaType").asText(MediaTypes.OCI_MANIFEST),
        "sha256:" + Sha256.of(written.config()), written.manifest(), tags, layers);
    return Optional.of(revised(image, top, done.subList(base, done.size()),
        written.config().length));
  }

  /** PUTs the manifest, whose config is uploaded, by digest and under each tag. */
  private Image write(Pushed pushed, String newConfig, byte[] newManifest, List<String> tags,
      List<RegistryReader.Descriptor> layers) {
    return putManifest(pushed.http, pushed.name, pushed.mediaType, newConfig, newManifest, tags,
        layers);
  }

  private static Image putManifest(RegistryHttp http, String name, String mediaType,
      String newConfig, byte[] newManifest, List<String> tags,
      List<RegistryReader.Descriptor> layers) {
    String newDigest = "sha256:" + Sha256.of(newManifest);
    // by digest first, when there are several tags: a registry that refuses it has moved no tag
    // yet (with one tag, its PUT is that same all-or-nothing step, one round trip fewer)
    if (tags.size() != 1) {
      http.putManifest(newDigest, mediaType, newManifest, newDigest,
          "the manifest " + newDigest + " of " + name);
    }
    List<String> moved = new ArrayList<>();
    for (String tag : tags) {
      try {
        http.putManifest(tag, mediaType, newManifest, newDigest,
            "the manifest " + newDigest + " as " + name + ":" + tag);
      } catch (RegistryException e) {
        throw new RegistryException(e.getMessage() + (moved.isEmpty() ? "" : " (after moving "
            + String.join(", ", moved) + " to " + newDigest + ")"), e);
      }
      moved.add(tag);
    }
    return new Image(newDigest, newConfig, layers);
  }

  private static byte[] verified(RegistryHttp http, RegistryHttp.Response response,
      String digest, String what) {
    http.requireSuccess(response, "reading " + what);
    return http.requireDigest(response, digest, what);
  }

  private static JsonNode parse(byte[] manifest, String what, String registry) {
    try {
      JsonNode json = JSON.readTree(manifest);
      if (json != null && json.isObject()) {
        return json;
      }
    } catch (IOException e) {
      // said below
    }
    throw new RegistryException("registry " + registry + " served " + what
        + " that is not a JSON object", null);
  }
}
