package dev.relpack.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.error.BadInputException;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tagging what an OCI layout already holds: an image, or an index of several. */
class LayoutTargetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

  @TempDir Path work;

  /** A layout's locks and listener; a layout reads no registry. */
  private TargetAccess access(List<String> warnings) throws IOException {
    return TestAccess.layout(Files.createDirectories(work.resolve("locks")), work, warnings);
  }

  /** Puts {@code json} in the layout's blobs; its digest. */
  private static String blob(Path layout, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    String hex = Sha256.of(bytes);
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Files.write(layout.resolve("blobs/sha256").resolve(hex), bytes);
    return "sha256:" + hex;
  }

  private static Map<String, String> refs(Path layout) throws IOException {
    Map<String, String> refs = new java.util.TreeMap<>();
    for (JsonNode entry : JSON.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
      refs.put(entry.path("annotations").path(REF_NAME).asText(), entry.path("digest").asText()
          + " " + entry.path("mediaType").asText() + " " + entry.path("size").asLong());
    }
    return refs;
  }

  @Test
  void anIndexInTheBlobsGetsTagsAndATagMovesToIt() throws Exception {
    Path layout = Files.createDirectories(work.resolve("layout"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + INDEX_TYPE + "\",\"manifests\":[]}";
    String digest = blob(layout, index);
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":["
        + "{\"mediaType\":\"" + INDEX_TYPE + "\",\"digest\":\"sha256:" + "0".repeat(64)
        + "\",\"size\":1,\"annotations\":{\"" + REF_NAME + "\":\"1.0\"}},"
        + "{\"mediaType\":\"" + INDEX_TYPE + "\",\"digest\":\"sha256:" + "1".repeat(64)
        + "\",\"size\":1,\"annotations\":{\"" + REF_NAME + "\":\"keep\"}}]}");
    List<String> warnings = new ArrayList<>();

    new LayoutTarget(layout, List.of("x")).tag(digest, List.of("1.0", "latest"), access(warnings));

    String entry = digest + " " + INDEX_TYPE + " " + index.length();
    assertEquals(Map.of("1.0", entry, "latest", entry,
        "keep", "sha256:" + "1".repeat(64) + " " + INDEX_TYPE + " 1"), refs(layout));
    assertEquals(List.of(), warnings);
  }

  @Test
  void aDigestTheLayoutDoesNotHoldIntactIsRefusedAndTheIndexKept() throws Exception {
    Path layout = Files.createDirectories(work.resolve("layout"));
    String digest = blob(layout, "{\"schemaVersion\":2,\"mediaType\":\"" + INDEX_TYPE + "\"}");
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
    LayoutTarget target = new LayoutTarget(layout, List.of("x"));
    TargetAccess access = access(new ArrayList<>());

    BadInputException missing = assertThrows(BadInputException.class,
        () -> target.tag("sha256:" + "a".repeat(64), List.of("t"), access));
    assertEquals("oci:" + layout + " holds no intact manifest sha256:" + "a".repeat(64)
        + " to tag", missing.getMessage());
    Files.writeString(layout.resolve("blobs/sha256").resolve(digest.substring(7)), "{}");
    assertThrows(BadInputException.class, () -> target.tag(digest, List.of("t"), access),
        "a blob changed since it was written is not tagged");
    assertEquals("{\"schemaVersion\":2,\"manifests\":[]}",
        Files.readString(layout.resolve("index.json")));
  }

  @Test
  void aDockerArchiveCannotBeTaggedAfterwards() {
    ArchiveTarget archive = new ArchiveTarget(work.resolve("a.tar"), List.of("1"));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> archive.tag("sha256:" + "a".repeat(64), List.of("2"), access(new ArrayList<>())));
    assertTrue(e.getMessage().startsWith("tar:"), e.getMessage());
  }

  @Test
  void nothingIsAttachedToAManifestTheLayoutDoesNotHold() throws Exception {
    Path layout = Files.createDirectories(work.resolve("layout"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
    LayoutTarget target = new LayoutTarget(layout, List.of("x"));
    String missing = "sha256:" + "a".repeat(64);

    BadInputException e = assertThrows(BadInputException.class, () -> target.attach(missing,
        Attachment.cycloneDx("{}".getBytes(StandardCharsets.UTF_8)), access(new ArrayList<>())));

    assertEquals("oci:" + layout + " holds no intact manifest " + missing + " to attach to",
        e.getMessage());
    assertEquals("{\"schemaVersion\":2,\"manifests\":[]}",
        Files.readString(layout.resolve("index.json")));
    assertTrue(Files.notExists(layout.resolve("blobs")), "no blob written either");
  }

  @Test
  void aDockerArchiveHoldsNoAttachmentAndNothingIsWritten() throws Exception {
    Path file = work.resolve("a.tar");
    ArchiveTarget archive = new ArchiveTarget(file, List.of("1"));

    assertEquals(java.util.Optional.empty(), archive.attach("sha256:" + "a".repeat(64),
        Attachment.spdx("{}".getBytes(StandardCharsets.UTF_8)), access(new ArrayList<>())));
    assertTrue(Files.notExists(file));
  }
}
