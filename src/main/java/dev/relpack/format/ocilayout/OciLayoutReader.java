package dev.relpack.format.ocilayout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.error.BadInputException;
import dev.relpack.io.Printable;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads an OCI image layout directory that relpack does not trust: its index, the image a ref
 * name picks, and its blobs, each bounded in size (JSON), checked against its digest and kept
 * inside the layout.
 *
 * @param display how errors name the layout ({@code --from oci:DIR:REF})
 */
public record OciLayoutReader(Path dir, String display) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_JSON_BYTES = 8L << 20;

  /** The layout's top index, once it is known to be a layout. */
  public JsonNode index() throws IOException {
    Path indexFile = dir.resolve(OciLayoutNames.INDEX);
    if (!Files.isRegularFile(dir.resolve(OciLayoutNames.MARKER)) || !Files.isRegularFile(indexFile)) {
      throw new BadInputException(display + ": " + dir + " is not an OCI image layout"
          + " (no " + OciLayoutNames.MARKER + " and " + OciLayoutNames.INDEX + ")");
    }
    try {
      if (Files.size(indexFile) > MAX_JSON_BYTES) {
        throw new BadInputException(display + ": its " + OciLayoutNames.INDEX + " is over "
            + (MAX_JSON_BYTES >> 20) + " MiB");
      }
      return JSON.readTree(indexFile.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadInputException(display + ": " + indexFile + " is not valid JSON");
    }
  }

  /** The entry of {@code index} named {@code refName}, or its only entry when none is named. */
  public JsonNode select(JsonNode index, Optional<String> refName) {
    List<JsonNode> manifests = new ArrayList<>();
    index.path("manifests").forEach(manifests::add);
    if (refName.isPresent()) {
      return manifests.stream()
          .filter(m -> refName.get().equals(
              m.path("annotations").path(OciLayoutNames.REF_NAME).asText()))
          .findFirst()
          .orElseThrow(() -> new BadInputException(display + ": no image named "
              + refName.get() + " in " + dir + " (it has " + refNames(manifests) + ")"));
    }
    if (manifests.size() != 1) {
      throw new BadInputException(display + ": " + dir + " holds " + manifests.size()
          + " images; name one with oci:DIR:REF (it has " + refNames(manifests) + ")");
    }
    return manifests.get(0);
  }

  /** A JSON blob (manifest, index, config), bounded in size and checked against its digest. */
  public JsonNode json(String digest) throws IOException {
    Path blob = blob(digest);
    if (Files.size(blob) > MAX_JSON_BYTES) {
      throw new BadInputException(display + ": blob " + digest + " is " + Files.size(blob)
          + " bytes; manifests, indexes and configs over " + (MAX_JSON_BYTES >> 20)
          + " MiB are refused");
    }
    byte[] bytes = Files.readAllBytes(blob);
    requireDigest("sha256:" + Sha256.of(bytes), digest);
    try {
      return JSON.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadInputException(display + ": blob " + digest + " is not valid JSON");
    }
  }

  /** Throws unless a blob's content, which has the digest {@code actual}, is {@code digest}. */
  public void requireDigest(String actual, String digest) {
    if (!actual.equals(digest)) {
      throw new BadInputException(display + ": blob " + digest + " does not match its digest"
          + " (its content is " + actual + "); the layout is damaged or was tampered with");
    }
  }

  /** The file of a blob of the layout: one that is there, and inside the layout. */
  public Path blob(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new BadInputException(display + ": unsupported digest " + digest);
    }
    Path blob = OciLayoutNames.blob(dir, digest);
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

  /** Whether a descriptor names an index (OCI) or a manifest list (Docker) rather than an image. */
  public static boolean isIndex(JsonNode descriptor) {
    String type = descriptor.path("mediaType").asText();
    return type.contains("image.index") || type.contains("manifest.list");
  }

  private static String refNames(List<JsonNode> manifests) {
    List<String> names = manifests.stream()
        .map(m -> m.path("annotations").path(OciLayoutNames.REF_NAME).asText(""))
        .filter(s -> !s.isEmpty()).toList();
    return names.isEmpty() ? "no named images" : String.join(", ", names);
  }
}
