package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
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
   * What an image offers: its digest and platforms ({@code os/architecture}), one per entry when
   * it is an index.
   */
  public record Offered(String digest, List<String> platforms, boolean index) {}

  /** The digest {@code image} (a tag or a digest) resolves to now. */
  public Manifest read(ImageReference image, Optional<Credential> credential) {
    return withClient(image, credential, client -> {
      ManifestAndDigest<ManifestTemplate> manifest = pull(client, image, credential);
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
      ManifestAndDigest<ManifestTemplate> manifest = pull(client, image, credential);
      String digest = manifest.getDigest().toString();
      if (manifest.getManifest() instanceof V22ManifestListTemplate list) {
        return new Offered(digest, list.getManifests().stream().map(m -> m.getPlatform() == null
            ? "?/?" : m.getPlatform().getOs() + "/" + m.getPlatform().getArchitecture()).toList(),
            true);
      }
      if (manifest.getManifest() instanceof OciIndexTemplate index) {
        return new Offered(digest, index.getManifests().stream().map(m -> m.getPlatform() == null
            ? "?/?" : m.getPlatform().getOs() + "/" + m.getPlatform().getArchitecture()).toList(),
            true);
      }
      if (manifest.getManifest() instanceof BuildableManifestTemplate built
          && built.getContainerConfiguration() != null) {
        ByteArrayOutputStream config = new ByteArrayOutputStream();
        client.pullBlob(built.getContainerConfiguration().getDigest(), size -> { }, n -> { })
            .writeTo(config);
        JsonNode json = JSON.readTree(config.toByteArray());
        return new Offered(digest, List.of(json.path("os").asText("?") + "/"
            + json.path("architecture").asText("?")), false);
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
      throw new dev.relpack.error.RegistryException("registry " + image.getRegistry()
          + " refused access to " + image.getRepository() + " (HTTP "
          + e.getHttpResponseException().getStatusCode() + "); check the credentials for it", e);
    } catch (RegistryException e) {
      if (String.valueOf(e.getMessage()).contains("manifest unknown")
          || String.valueOf(e.getMessage()).contains("not known to registry")) {
        throw new BadInputException("image " + image + " not found in its registry", e);
      }
      throw new dev.relpack.error.RegistryException(
          "registry " + image.getRegistry() + ": " + e.getMessage(), e);
    } catch (IOException e) {
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

  private static ManifestAndDigest<ManifestTemplate> pull(RegistryClient client,
      ImageReference image, Optional<Credential> credential) throws IOException, RegistryException {
    String qualifier = image.getQualifier();
    try {
      return client.pullManifest(qualifier);
    } catch (RegistryUnauthorizedException e) {
      // Anonymous pull refused: authenticate the way the registry asks, then try again.
      String challenge = e.getHttpResponseException().getHeaders().getAuthenticate();
      if (challenge == null) {
        throw e;
      }
      if (challenge.toLowerCase(java.util.Locale.ROOT).startsWith("basic")) {
        if (credential.isEmpty()) {
          throw e;
        }
        client.configureBasicAuth();
      } else {
        client.authPullByWwwAuthenticate(challenge);
      }
      return client.pullManifest(qualifier);
    }
  }
}
