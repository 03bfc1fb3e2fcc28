package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.image.json.OciIndexTemplate;
import com.google.cloud.tools.jib.image.json.V22ManifestListTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.relpack.error.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads manifests with jib's registry client and auth flow: to pin a base tag to the digest it
 * points at now, and to read back the layers of a pushed image. jib's build API exposes neither.
 */
public final class RegistryReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final RegistryAccess access;
  private final Consumer<LogEvent> log;

  public RegistryReader(RegistryAccess access, Consumer<LogEvent> log) {
    this.access = access;
    this.log = log;
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

  /** The digest {@code image} (a tag or a digest) resolves to now. */
  public Manifest read(ImageReference image, Optional<Credential> credential) {
    return withClient(image, credential, client -> {
      ManifestAndDigest<ManifestTemplate> manifest =
          authenticated(client, credential, c -> c.pullManifest(image.getQualifier()));
      List<Descriptor> layers = manifest.getManifest() instanceof BuildableManifestTemplate built
          ? built.getLayers().stream()
              .map(l -> new Descriptor(l.getDigest().toString(), l.getSize()))
              .toList()
          : List.of();
      return new Manifest(manifest.getDigest().toString(), layers);
    });
  }

  /** The digest {@code image} resolves to now and the platforms it offers. */
  public Offered offered(ImageReference image, Optional<Credential> credential) {
    return withClient(image, credential, client -> {
      ManifestAndDigest<ManifestTemplate> manifest =
          authenticated(client, credential, c -> c.pullManifest(image.getQualifier()));
      String digest = manifest.getDigest().toString();
      if (manifest.getManifest() instanceof V22ManifestListTemplate list) {
        return new Offered(digest, list.getManifests().stream()
            .map(V22ManifestListTemplate.ManifestDescriptorTemplate::getPlatform)
            .filter(Objects::nonNull).map(p -> new Platform(p.getArchitecture(), p.getOs()))
            .toList(), true);
      }
      if (manifest.getManifest() instanceof OciIndexTemplate index) {
        return new Offered(digest, index.getManifests().stream()
            .map(OciIndexTemplate.ManifestDescriptorTemplate::getPlatform)
            .filter(Objects::nonNull).map(p -> new Platform(p.getArchitecture(), p.getOs()))
            .toList(), true);
      }
      if (manifest.getManifest() instanceof BuildableManifestTemplate built
          && built.getContainerConfiguration() != null) {
        byte[] config = authenticated(client, credential, c -> {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          c.pullBlob(built.getContainerConfiguration().getDigest(), size -> { }, n -> { })
              .writeTo(bytes);
          return bytes.toByteArray();
        });
        JsonNode json = JSON.readTree(config);
        return new Offered(digest, List.of(new Platform(json.path("architecture").asText("unknown"),
            json.path("os").asText("unknown"))), false);
      }
      return new Offered(digest, List.of(), false);
    });
  }

  private interface ClientCall<T> {
    T call(RegistryClient client) throws IOException, RegistryException;
  }

  private <T> T withClient(ImageReference image, Optional<Credential> credential,
      ClientCall<T> call) {
    // jib's failover allows plain HTTP and unverified TLS together; the probe has already
    // refused whichever of the two this registry may not use
    boolean failover = access.allowsPlainHttp(image.getRegistry());
    FailoverHttpClient http = new FailoverHttpClient(failover, failover, log::accept);
    try {
      return call.call(RegistryClient.factory(
              EventHandlers.builder().add(LogEvent.class, log::accept).build(),
              image.getRegistry(), image.getRepository(), http)
          .setCredential(credential.orElse(null))
          .setUserAgent("relpack")
          .newRegistryClient());
    } catch (RegistryUnauthorizedException e) {
      throw refusedAccess(image, e);
    } catch (RegistryException e) {
      if (String.valueOf(e.getMessage()).contains("manifest unknown")
          || String.valueOf(e.getMessage()).contains("not known to registry")) {
        throw new BadInputException("image " + image + " not found in its registry", e);
      }
      throw new dev.relpack.error.RegistryException(
          "registry " + image.getRegistry() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      if (e.getCause() instanceof RegistryUnauthorizedException refused) {
        throw refusedAccess(image, refused);
      }
      throw new dev.relpack.error.RegistryException(
          "cannot read " + image + " from its registry: " + e.getMessage(), e);
    } finally {
      try {
        http.shutDown();
      } catch (IOException ignored) {
        // connections are being dropped anyway
      }
    }
  }

  private static dev.relpack.error.RegistryException refusedAccess(ImageReference image,
      RegistryUnauthorizedException refused) {
    return new dev.relpack.error.RegistryException("registry " + image.getRegistry()
        + " refused access to " + image.getRepository() + " (HTTP "
        + refused.getHttpResponseException().getStatusCode() + "); check the credentials for it",
        refused);
  }

  /**
   * Runs {@code call}; when the registry refuses it anonymously, authenticates the way the
   * registry asks and runs it again. A blob read reports the refusal inside an IOException.
   */
  private static <T> T authenticated(RegistryClient client, Optional<Credential> credential,
      ClientCall<T> call) throws IOException, RegistryException {
    try {
      return call.call(client);
    } catch (RegistryUnauthorizedException e) {
      authenticate(client, e, credential);
    } catch (IOException e) {
      if (!(e.getCause() instanceof RegistryUnauthorizedException refused)) {
        throw e;
      }
      authenticate(client, refused, credential);
    }
    return call.call(client);
  }

  private static void authenticate(RegistryClient client, RegistryUnauthorizedException refused,
      Optional<Credential> credential) throws RegistryException {
    String challenge = refused.getHttpResponseException().getHeaders().getAuthenticate();
    if (challenge == null) {
      throw refused;
    }
    if (challenge.toLowerCase(java.util.Locale.ROOT).startsWith("basic")) {
      if (credential.isEmpty()) {
        throw refused;
      }
      client.configureBasicAuth();
    } else {
      client.authPullByWwwAuthenticate(challenge);
    }
  }
}
