package dev.relpack.format.referrers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.format.MediaTypes;
import dev.relpack.io.Printable;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image index that lists the manifests referring to an image, kept by clients under the tag
 * the distribution spec's referrers tag schema names when a registry has no referrers API, and
 * the {@code index.json} of an OCI layout, which lists referrers beside the tagged images. A
 * referrer is added to what is there: every other entry, and every field relpack does not know,
 * stays as it was, since other tools (cosign, oras, notation) keep their referrers in the same
 * list.
 */
public final class ReferrersIndex {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private ReferrersIndex() {}

  /** The list is something other than an OCI image index, which relpack will not overwrite. */
  public static final class NotAnIndexException extends IOException {
    public NotAnIndexException(String found) {
      super(found);
    }
  }

  /**
   * The tag of the referrers of {@code subjectDigest}: the algorithm, {@code -}, and the hex
   * ({@code sha256-<64 hex>}).
   */
  public static String tag(String subjectDigest) {
    if (!SHA256.matcher(subjectDigest).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + subjectDigest);
    }
    return subjectDigest.replace(':', '-');
  }

  /** A list holding nothing yet, as a client begins one when the tag does not exist. */
  public static ObjectNode empty() {
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", MediaTypes.OCI_INDEX);
    index.putArray("manifests");
    return index;
  }

  /**
   * The list {@code existing} (empty when there is none yet) with {@code referrer} added at its
   * end, as compact JSON; nothing when it lists that manifest already.
   *
   * @throws NotAnIndexException when {@code existing} is not an OCI image index
   */
  public static Optional<byte[]> add(Optional<byte[]> existing, ObjectNode referrer)
      throws IOException {
    ObjectNode index = existing.isPresent() ? parse(existing.get()) : empty();
    return add(index, referrer) ? Optional.of(JSON.writeValueAsBytes(index)) : Optional.empty();
  }

  /**
   * Adds {@code referrer} at the end of the {@code manifests} of {@code index}, unless an entry
   * already names the same digest (duplicates are what the spec asks clients not to make).
   *
   * @return whether it was added
   * @throws NotAnIndexException when {@code index} has {@code manifests} that are not a list:
   *     replacing them would drop what another tool wrote
   */
  public static boolean add(ObjectNode index, ObjectNode referrer) throws NotAnIndexException {
    if (lists(index, referrer.path("digest").asText())) {
      return false;
    }
    JsonNode manifests = index.path("manifests");
    if (!manifests.isArray() && !manifests.isMissingNode()) {
      throw new NotAnIndexException("an index whose manifests are not a list");
    }
    ArrayNode entries = manifests.isArray() ? (ArrayNode) manifests : index.putArray("manifests");
    entries.add(referrer.deepCopy());
    return true;
  }

  /** Whether {@code index} has an entry for the manifest {@code digest}. */
  public static boolean lists(JsonNode index, String digest) {
    for (JsonNode entry : index.path("manifests")) {
      if (digest.equals(entry.path("digest").asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code bytes} read as an OCI image index: a JSON object whose media type is the index's (or
   * absent) and whose {@code manifests}, if any, are an array.
   *
   * @throws NotAnIndexException otherwise, saying what it is
   */
  public static ObjectNode parse(byte[] bytes) throws NotAnIndexException {
    JsonNode json;
    try {
      json = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new NotAnIndexException("something that is not JSON");
    }
    if (json == null || !json.isObject()) {
      throw new NotAnIndexException("something that is not a JSON object");
    }
    String mediaType = json.path("mediaType").asText(MediaTypes.OCI_INDEX);
    if (!mediaType.equals(MediaTypes.OCI_INDEX)) {
      throw new NotAnIndexException("a " + Printable.of(mediaType));
    }
    if (!json.path("manifests").isArray() && !json.path("manifests").isMissingNode()) {
      throw new NotAnIndexException("an index whose manifests are not a list");
    }
    return (ObjectNode) json;
  }
}
