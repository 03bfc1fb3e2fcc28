package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.error.BadInputException;
import dev.relpack.error.RegistryException;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads manifests and configs from registries: to pin a base tag to the digest it points at now
 * and learn its platforms, and to read back the layers of a pushed image. jib's build API exposes
 * neither, and its registry client reads whatever a registry sends into memory; this reads with
 * {@link RegistryHttp}, bounded by {@link ReadLimits} and a timeout, and checks every document
 * fetched by digest against that digest.
 */
public final class RegistryReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  private static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  private static final String MANIFEST_TYPES =
      String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

  private final RegistryAccess access;
  private final Function<String, RegistryProbe.Transport> transports;
  private final Duration timeout;
  private final ReadLimits limits;

  /**
   * @param transports how each registry answered the probe
   * @param timeout the longest one request may take
   */
  public RegistryReader(RegistryAccess access,
      Function<String, RegistryProbe.Transport> transports, Duration timeout, ReadLimits limits) {
    this.access = access;
    this.transports = transports;
    this.timeout = timeout;
    this.limits = limits;
  }

  /** A manifest's digest and, for image manifests, its layers. */
  public record Manifest(String digest, List<Descriptor> layers) {}

  /** A blob: its digest and size in bytes. */
  public record Descriptor(String digest, long size) {}

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
      layers.add(new Descriptor(layer.path("digest").asText(), layer.path("size").asLong()));
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

  private RegistryHttp client(ImageReference image, Optional<Credential> credential) {
    return new RegistryHttp(image.getRegistry(), image.getRepository(),
        transports.apply(image.getRegistry()), access, credential, timeout, limits);
  }

  /** A document as fetched: its digest, and its JSON. */
  private record Fetched(String digest, JsonNode json) {}

  private Fetched manifest(RegistryHttp http, ImageReference image) {
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
    String what = "the config blob " + digest + " of " + image;
    RegistryHttp.Response response = http.get("blobs/" + digest, "*/*", limits.config(), what);
    if (response.status() / 100 != 2) {
      throw new RegistryException("registry " + image.getRegistry() + " answered HTTP "
          + response.status() + " for " + what, null);
    }
    String served = "sha256:" + Sha256.of(response.body());
    if (!served.equals(digest)) {
      throw new RegistryException("registry " + image.getRegistry() + " served " + what
          + " with content whose digest is " + served, null);
    }
    return json(response.body(), what, image);
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
