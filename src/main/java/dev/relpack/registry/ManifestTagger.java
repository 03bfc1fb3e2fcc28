package dev.relpack.registry;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Gives a manifest a registry already holds further tags, as the registry API allows: a tag that
 * names it already (HEAD) is left as it is; for the others, GET it by digest, then PUT the same
 * bytes under each. An image pushed by digest, an index of several pushed after its images, or an
 * image a build of the same inputs pushed before, is tagged this way; nothing is uploaded again.
 */
public final class ManifestTagger {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private final BiFunction<ImageReference, Optional<Credential>, RegistryHttp> clients;
  private final ReadLimits limits;

  /**
   * @param clients a client for a repository, with the reader's transports, access and timeout
   */
  ManifestTagger(BiFunction<ImageReference, Optional<Credential>, RegistryHttp> clients,
      ReadLimits limits) {
    this.clients = clients;
    this.limits = limits;
  }

  /**
   * Tags the manifest {@code digest} of {@code repository} with each of {@code tags}, in order.
   *
   * @param repository the registry and repository (its tag or digest, if any, is not read)
   * @param credential for pulling and pushing there
   * @param digest the manifest (image or index) to tag, {@code sha256:...}
   * @param tags valid tags
   * @throws RegistryException when the registry does not hold the manifest, refuses a tag, or
   *     says it stored other content than the manifest's
   */
  public void tag(ImageReference repository, Optional<Credential> credential, String digest,
      List<String> tags) {
    if (!SHA256.matcher(digest).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    String registry = repository.getRegistry();
    String name = registry + "/" + repository.getRepository();
    RegistryHttp http = clients.apply(repository, credential);
    String what = "the manifest " + digest + " of " + name;
    List<String> moving = new ArrayList<>();
    for (String tag : tags) {
      RegistryHttp.Response tagged = http.headManifest(tag, "the tag " + name + ":" + tag);
      if (tagged.status() / 100 != 2 || !digest.equals(tagged.digest())) {
        moving.add(tag);
      }
    }
    if (moving.isEmpty()) {
      return; // every tag names the manifest already: it is there, and nothing is written
    }
    RegistryHttp.Response manifest = http.get("manifests/" + digest,
        RegistryReader.MANIFEST_TYPES, limits.manifest(), what);
    if (manifest.status() / 100 != 2) {
      throw new RegistryException("registry " + registry + " answered HTTP " + manifest.status()
          + " for " + what + ", which was to be tagged", null);
    }
    byte[] body = http.requireDigest(manifest, digest, what);
    String mediaType = http.manifestMediaType(manifest, what);
    for (String tag : moving) {
      http.putManifest(tag, mediaType, body, digest, what + " as " + name + ":" + tag);
    }
  }
}
