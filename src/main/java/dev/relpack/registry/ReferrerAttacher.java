package dev.relpack.registry;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.RegistryException;
import dev.relpack.format.MediaTypes;
import dev.relpack.format.referrers.ArtifactManifest;
import dev.relpack.format.referrers.ReferrersIndex;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Attaches an artifact (an SBOM) to a manifest a registry holds, as an OCI 1.1 referrer: uploads
 * the empty config and the artifact, PUTs the artifact manifest by digest, and, unless the
 * registry answers that PUT with {@code OCI-Subject} (it has the referrers API and lists the
 * manifest itself), adds it to the list under the referrers tag ({@code sha256-<hex>}), keeping
 * every other entry of that list.
 *
 * <p>That list is read, changed and written back, and the registry API has no lock: two clients
 * adding at once can each write a list without the other's entry. After its PUT this reads the
 * list again and, when its entry is gone (another client wrote over it), adds it again, a few
 * times at most. It cannot see that its own PUT replaced a list another client had just written;
 * that client, if it checks as this does, puts its entry back.
 */
public final class ReferrerAttacher {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  /** How often the list is written before another client writing over it is given up on. */
  static final int LIST_ATTEMPTS = 3;

  private final BiFunction<ImageReference, Optional<Credential>, RegistryHttp> clients;
  private final ReadLimits limits;

  /**
   * @param clients a client for a repository, with the reader's transports, access and timeout
   */
  ReferrerAttacher(BiFunction<ImageReference, Optional<Credential>, RegistryHttp> clients,
      ReadLimits limits) {
    this.clients = clients;
    this.limits = limits;
  }

  /** How the registry lists the artifact manifest by its subject. */
  public enum Listing {
    /** The registry has the referrers API and said so ({@code OCI-Subject}). */
    REFERRERS_API,
    /** The artifact manifest was added to the list under the referrers tag. */
    REFERRERS_TAG,
    /** The list under the referrers tag had it already (the same artifact attached before). */
    ALREADY_LISTED
  }

  /**
   * @param digest the artifact manifest's digest
   * @param listing how the registry lists it by its subject
   */
  public record Attached(String digest, Listing listing) {}

  /**
   * Attaches {@code content} to the manifest {@code subjectDigest} of {@code repository}.
   *
   * @param artifactType the artifact manifest's {@code artifactType}
   * @param mediaType the media type of {@code content}, its one layer
   * @throws RegistryException when the registry does not hold the subject, refuses an upload or
   *     a PUT, holds something else than an image index under the referrers tag, or another
   *     client keeps writing over the list
   */
  public Attached attach(ImageReference repository, Optional<Credential> credential,
      String subjectDigest, String artifactType, String mediaType, byte[] content) {
    requireSha256(subjectDigest);
    String name = repository.getRegistry() + "/" + repository.getRepository();
    RegistryHttp http = clients.apply(repository, credential);
    // the subject is read while the blobs go up: a missing subject fails the attachment before
    // any manifest is written, and blobs no manifest names are the registry's to collect
    List<Object> done = AtOnce.all(List.of(() -> subject(http, subjectDigest, name),
        () -> sent(http, name, artifactType, mediaType, content, subjectDigest)));
    return put(http, name, (ArtifactManifest.Descriptor) done.get(0), (Sent) done.get(1));
  }

  /**
   * Attaches {@code content} to the manifest {@code subject}, which is being written to
   * {@code repository} as this runs: the blobs go up (and the referrers list is read) at once,
   * then this waits for {@code written} and puts the artifact manifest only when it answers that
   * the subject is in the repository. A build writing its image so attaches its SBOM in the time
   * the image's own uploads take, with no request for the subject it has just written.
   *
   * @param subject the manifest's digest, size and media type, as it is written
   * @param written waits for the subject's writing to end: true when it was written
   * @return empty, with no manifest put, when {@code written} answers false
   * @throws RegistryException as {@link #attach}, and when {@code written} throws
   */
  public Optional<Attached> attachOnceWritten(ImageReference repository,
      Optional<Credential> credential, RegistryReader.Descriptor subject,
      Callable<Boolean> written, String artifactType, String mediaType, byte[] content) {
    requireSha256(subject.digest());
    String name = repository.getRegistry() + "/" + repository.getRepository();
    RegistryHttp http = clients.apply(repository, credential);
    Sent sent = sent(http, name, artifactType, mediaType, content, subject.digest());
    try {
      if (!written.call()) {
        return Optional.empty();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new RegistryException("the manifest " + subject.digest() + " of " + name
          + " was not written: " + e.getMessage(), e);
    }
    return Optional.of(put(http, name, new ArtifactManifest.Descriptor(subject.mediaType(),
        subject.digest(), subject.size()), sent));
  }

  private static void requireSha256(String digest) {
    if (!SHA256.matcher(digest).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
  }

  /** The artifact's blobs uploaded, and the referrers list as read meanwhile. */
  private record Sent(String artifactType, String mediaType, byte[] content, ReadAhead listed) {}

  /**
   * Uploads the empty config and the artifact, and reads the referrers list under the subject's
   * tag, all at once: for a registry without the referrers API (its PUT says which), the list
   * is read before the artifact's manifest is put, and again after it is written.
   */
  private Sent sent(RegistryHttp http, String name, String artifactType, String mediaType,
      byte[] content, String subjectDigest) {
    String layer = ArtifactManifest.Descriptor.of(mediaType, content).digest();
    String tag = ReferrersIndex.tag(subjectDigest);
    List<Object> done = AtOnce.all(List.of(
        () -> http.uploadBlob(ArtifactManifest.emptyContent(), ArtifactManifest.EMPTY.digest(),
            "the empty config " + ArtifactManifest.EMPTY.digest() + " to " + name),
        () -> http.uploadBlob(content, layer, "the " + artifactType + " " + layer + " to "
            + name),
        () -> readAhead(http, tag, "the referrers list " + name + ":" + tag)));
    return new Sent(artifactType, mediaType, content, (ReadAhead) done.get(2));
  }

  /** Puts the artifact manifest of {@code sent} by digest, and lists it by its subject. */
  private Attached put(RegistryHttp http, String name, ArtifactManifest.Descriptor subject,
      Sent sent) {
    ArtifactManifest manifest = ArtifactManifest.of(sent.artifactType(), sent.mediaType(),
        sent.content(), subject);
    String digest = manifest.descriptor().digest();
    RegistryHttp.Response put = http.putManifest(digest, MediaTypes.OCI_MANIFEST,
        manifest.bytes(), digest, "the " + sent.artifactType() + " manifest " + digest + " of "
            + name);
    if (subject.digest().equals(put.subject())) {
      return new Attached(digest, Listing.REFERRERS_API);
    }
    return new Attached(digest, list(http, manifest, subject.digest(), name, sent.listed()));
  }

  /**
   * Whether the artifact manifest {@code referrer}, attached to {@code subjectDigest} before,
   * is still in {@code repository} and listed by its subject: in the list under the referrers
   * tag, or by the referrers API. Two requests (three with the
   * API) where attaching it again takes five.
   *
   * @throws RegistryException when the registry fails a request
   */
  public boolean listed(ImageReference repository, Optional<Credential> credential,
      String subjectDigest, String referrer) {
    requireSha256(subjectDigest);
    requireSha256(referrer);
    String name = repository.getRegistry() + "/" + repository.getRepository();
    RegistryHttp http = clients.apply(repository, credential);
    RegistryHttp.Response there = http.headManifest(referrer, "the manifest " + referrer + " of "
        + name);
    if (there.status() / 100 != 2) {
      return false;
    }
    String tag = ReferrersIndex.tag(subjectDigest);
    // the list under the tag first: what a registry without the referrers API (distribution,
    // GitLab's) holds; a registry with it has no such tag, and is asked next
    if (lists(read(http, tag, "the referrers list " + name + ":" + tag), referrer)) {
      return true;
    }
    RegistryHttp.Response api = http.get("referrers/" + subjectDigest, MediaTypes.OCI_INDEX,
        limits.manifest(), "the referrers of " + name + "@" + subjectDigest);
    return api.status() / 100 == 2 && lists(Optional.of(api.body()), referrer);
  }

  private static boolean lists(Optional<byte[]> list, String referrer) {
    try {
      return list.isPresent() && ReferrersIndex.lists(ReferrersIndex.parse(list.get()), referrer);
    } catch (ReferrersIndex.NotAnIndexException e) {
      return false; // attached again, which says what is wrong
    }
  }

  /** The descriptor of the subject as the registry holds it: its media type and real size. */
  private ArtifactManifest.Descriptor subject(RegistryHttp http, String digest, String name) {
    String what = "the manifest " + digest + " of " + name;
    RegistryHttp.Response response = http.get("manifests/" + digest,
        RegistryReader.MANIFEST_TYPES, limits.manifest(), what);
    if (response.status() / 100 != 2) {
      throw new RegistryException("registry " + http.registry() + " answered HTTP "
          + response.status() + " for " + what + ", to which an artifact was to be attached",
          null);
    }
    byte[] body = http.requireDigest(response, digest, what);
    return new ArtifactManifest.Descriptor(http.manifestMediaType(response, what), digest,
        body.length);
  }

  /** Adds the manifest to the list under the referrers tag, as the distribution spec says. */
  /**
   * The list under the referrers tag as read before the artifact's manifest was put; not
   * {@code read} when that failed (a registry with the referrers API need not serve the tag):
   * {@link #list} then reads it itself, and fails there if it must.
   */
  private record ReadAhead(boolean read, Optional<byte[]> list) {}

  private ReadAhead readAhead(RegistryHttp http, String tag, String what) {
    try {
      return new ReadAhead(true, read(http, tag, what));
    } catch (RuntimeException e) {
      return new ReadAhead(false, Optional.empty());
    }
  }

  /** @param listed the list under the referrers tag as read before the manifest was put */
  private Listing list(RegistryHttp http, ArtifactManifest manifest, String subjectDigest,
      String name, ReadAhead listed) {
    String tag = ReferrersIndex.tag(subjectDigest);
    String what = "the referrers list " + name + ":" + tag;
    String digest = manifest.descriptor().digest();
    for (int attempt = 1; ; attempt++) {
      Optional<byte[]> changed;
      try {
        changed = ReferrersIndex.add(attempt == 1 && listed.read() ? listed.list()
            : read(http, tag, what), manifest.referrer());
      } catch (ReferrersIndex.NotAnIndexException e) {
        throw new RegistryException("registry " + http.registry() + " holds " + e.getMessage()
            + " as " + what + ", not an image index; relpack leaves it as it is, and the artifact "
            + digest + " is in the repository but not listed", null);
      } catch (IOException e) {
        throw new RegistryException("cannot add to " + what + ": " + e.getMessage(), e);
      }
      if (changed.isEmpty()) {
        return attempt == 1 ? Listing.ALREADY_LISTED : Listing.REFERRERS_TAG;
      }
      byte[] list = changed.get();
      http.putManifest(tag, MediaTypes.OCI_INDEX, list, "sha256:" + Sha256.of(list), what);
      Optional<byte[]> after = read(http, tag, what);
      try {
        if (after.isPresent()
            && ReferrersIndex.lists(ReferrersIndex.parse(after.get()), digest)) {
          return Listing.REFERRERS_TAG;
        }
      } catch (ReferrersIndex.NotAnIndexException e) {
        // another client wrote something else there meanwhile: the next round says so
      }
      if (attempt == LIST_ATTEMPTS) {
        throw new RegistryException("registry " + http.registry() + ": another client wrote over "
            + what + " each of " + LIST_ATTEMPTS + " times relpack added the artifact " + digest
            + " to it; attach it again when that client is done", null);
      }
    }
  }

  /** The list under the referrers tag, or none when the tag does not exist (404). */
  private Optional<byte[]> read(RegistryHttp http, String tag, String what) {
    RegistryHttp.Response response = http.get("manifests/" + tag, RegistryReader.MANIFEST_TYPES,
        limits.manifest(), what);
    if (response.status() == 404) {
      return Optional.empty();
    }
    http.requireSuccess(response, "reading " + what);
    return Optional.of(response.body());
  }
}
