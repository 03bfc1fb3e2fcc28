package dev.relpack.format.ocilayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.format.CorruptBlobException;
import dev.relpack.format.MediaTypes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutWriterTest {
  /** The turn at the index when no other build writes the layout. */
  private static final OciLayoutWriter.IndexTurn NO_OTHER_BUILD = () -> () -> { };
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MANIFEST_TYPE = MediaTypes.OCI_MANIFEST;
  private static final String REF_NAME = OciLayoutNames.REF_NAME;
  private static final Set<PosixFilePermission> RW_R_R = PosixFilePermissions.fromString("rw-r--r--");

  @TempDir Path work;

  /** A small image as jib's OCI tarball has it: its blobs, and an index.json naming its manifest. */
  private record FakeImage(Path tar, String manifestDigest, long manifestSize, List<String> blobs) {}

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private FakeImage image(String name, String layerText) throws IOException {
    return image(name, layerText, Map.of());
  }

  /** {@code extra}: further tar entries, name to content, e.g. entries the writer must ignore. */
  private FakeImage image(String name, String layerText, Map<String, String> extra)
      throws IOException {
    byte[] layer = layerText.getBytes(StandardCharsets.UTF_8);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"n\":\""
        + name + "\"}}}").getBytes(StandardCharsets.UTF_8);
    ObjectNode manifestNode = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", MANIFEST_TYPE);
    manifestNode.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG)
        .put("digest", "sha256:" + sha256(config)).put("size", config.length);
    manifestNode.putArray("layers").addObject()
        .put("mediaType", MediaTypes.OCI_LAYER_GZIP)
        .put("digest", "sha256:" + sha256(layer)).put("size", layer.length);
    byte[] manifest = JSON.writeValueAsBytes(manifestNode);
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
    index.putArray("manifests").addObject().put("mediaType", MANIFEST_TYPE)
        .put("digest", "sha256:" + sha256(manifest)).put("size", manifest.length);

    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    entries.put("blobs/sha256/" + sha256(layer), layer);
    entries.put("blobs/sha256/" + sha256(config), config);
    entries.put("blobs/sha256/" + sha256(manifest), manifest);
    extra.forEach((k, v) -> entries.put(k, v.getBytes(StandardCharsets.UTF_8)));
    entries.put("index.json", JSON.writeValueAsBytes(index));

    Path tar = work.resolve(name + ".tar");
    writeTar(tar, entries);
    return new FakeImage(tar, "sha256:" + sha256(manifest), manifest.length,
        List.of(sha256(layer), sha256(config), sha256(manifest)));
  }

  private static void writeTar(Path tar, Map<String, byte[]> entries) throws IOException {
    try (OutputStream out = Files.newOutputStream(tar);
        TarArchiveOutputStream archive = new TarArchiveOutputStream(out)) {
      archive.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        TarArchiveEntry tarEntry = new TarArchiveEntry(entry.getKey());
        tarEntry.setSize(entry.getValue().length);
        tarEntry.setMode(0600);
        archive.putArchiveEntry(tarEntry);
        archive.write(entry.getValue());
        archive.closeArchiveEntry();
      }
    }
  }

  private static JsonNode index(Path layout) throws IOException {
    return JSON.readTree(layout.resolve("index.json").toFile());
  }

  /** ref name to manifest digest, as the layout's index.json says. */
  private static Map<String, String> refs(Path layout) throws IOException {
    Map<String, String> refs = new HashMap<>();
    for (JsonNode manifest : index(layout).path("manifests")) {
      String ref = manifest.path("annotations").path(REF_NAME).asText();
      assertFalse(refs.containsKey(ref), "ref " + ref + " listed twice");
      refs.put(ref, manifest.path("digest").asText());
    }
    return refs;
  }

  private static void assertBlobsPresent(Path layout, FakeImage image) throws IOException {
    for (String hex : image.blobs()) {
      Path blob = layout.resolve("blobs/sha256").resolve(hex);
      assertTrue(Files.isRegularFile(blob), "missing blob " + hex);
      assertEquals(hex, sha256(Files.readAllBytes(blob)), "blob content of " + hex);
      assertEquals(RW_R_R, Files.getPosixFilePermissions(blob), blob.toString());
    }
  }

  private static void assertNoTemporaryFiles(Path layout) throws IOException {
    try (Stream<Path> files = Files.walk(layout)) {
      List<Path> tmp = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
      assertEquals(List.of(), tmp);
    }
  }

  @Test
  void createsANewLayoutWithOneIndexEntryPerTag() throws Exception {
    FakeImage image = image("one", "layer one");
    Path layout = work.resolve("layout");

    JsonNode manifest = OciLayoutWriter.add(image.tar(), layout, List.of("1.0", "latest"), NO_OTHER_BUILD, warning -> {});

    assertEquals(image.manifestDigest(), manifest.path("digest").asText());
    assertEquals(image.manifestSize(), manifest.path("size").asLong());
    assertEquals(Map.of("1.0", image.manifestDigest(), "latest", image.manifestDigest()),
        refs(layout));
    JsonNode index = index(layout);
    assertEquals(2, index.path("schemaVersion").asInt());
    assertEquals("application/vnd.oci.image.index.v1+json", index.path("mediaType").asText());
    for (JsonNode entry : index.path("manifests")) {
      assertEquals(MANIFEST_TYPE, entry.path("mediaType").asText());
      assertEquals(image.manifestSize(), entry.path("size").asLong());
    }
    assertBlobsPresent(layout, image);
    assertEquals("1.0.0",
        JSON.readTree(layout.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText());
    assertEquals(RW_R_R, Files.getPosixFilePermissions(layout.resolve("index.json")));
    assertEquals(RW_R_R, Files.getPosixFilePermissions(layout.resolve("oci-layout")));
    assertNoTemporaryFiles(layout);
  }

  @Test
  void addsToAnExistingLayoutKeepingOtherRefsAndReplacingTheSameTag() throws Exception {
    FakeImage first = image("first", "layer of the first image");
    FakeImage second = image("second", "layer of the second image");
    Path layout = work.resolve("layout");
    OciLayoutWriter.add(first.tar(), layout, List.of("v1", "stable"), NO_OTHER_BUILD, warning -> {});
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}\n");
    String marker = Files.readString(layout.resolve("oci-layout"));

    JsonNode manifest = OciLayoutWriter.add(second.tar(), layout, List.of("v2", "stable"), NO_OTHER_BUILD, warning -> {});

    assertEquals(second.manifestDigest(), manifest.path("digest").asText());
    assertEquals(Map.of(
        "v1", first.manifestDigest(),
        "v2", second.manifestDigest(),
        "stable", second.manifestDigest()), refs(layout));
    assertBlobsPresent(layout, first);
    assertBlobsPresent(layout, second);
    assertEquals(marker, Files.readString(layout.resolve("oci-layout")), "oci-layout kept as it was");
    assertEquals(RW_R_R, Files.getPosixFilePermissions(layout.resolve("index.json")));
    assertNoTemporaryFiles(layout);
  }

  @Test
  void keepsWhatElseTheIndexSays() throws Exception {
    FakeImage image = image("img", "layer");
    Path layout = Files.createDirectories(work.resolve("layout"));
    ObjectNode existing = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", "application/vnd.oci.image.index.v1+json");
    existing.putObject("annotations").put("com.example.owner", "someone else");
    existing.putArray("manifests");
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(existing));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});

    assertEquals("someone else", index(layout).path("annotations").path("com.example.owner").asText());
    assertEquals(Map.of("v1", image.manifestDigest()), refs(layout));
  }

  @Test
  void addingTheSameImageAgainChangesNothing() throws Exception {
    FakeImage image = image("img", "layer");
    Path layout = work.resolve("layout");
    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});
    byte[] index = Files.readAllBytes(layout.resolve("index.json"));

    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});

    assertEquals(new String(index, StandardCharsets.UTF_8),
        Files.readString(layout.resolve("index.json")));
    assertBlobsPresent(layout, image);
  }

  @Test
  void anExistingBlobThatMatchesItsDigestIsNotRewritten() throws Exception {
    FakeImage image = image("img", "layer");
    Path layout = work.resolve("layout");
    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});
    Path blob = layout.resolve("blobs/sha256").resolve(image.blobs().get(0));
    Object inode = Files.readAttributes(blob, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

    OciLayoutWriter.add(image.tar(), layout, List.of("v2"), NO_OTHER_BUILD, warning -> {});

    assertEquals(inode, Files.readAttributes(blob, java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
        "the same file, not a new one renamed over it");
  }

  @Test
  void entriesThatAreNotBlobsOrTheIndexAreIgnored() throws Exception {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("blobs/sha256/../../../escaped", "x");
    extra.put("blobs/sha256/not-a-digest", "x");
    extra.put("blobs/sha512/" + "ab".repeat(64), "x");
    extra.put("somewhere/else.txt", "x");
    FakeImage image = image("img", "layer", extra);
    Path layout = work.resolve("deep/layout");
    Files.createDirectories(layout);

    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});

    assertFalse(Files.exists(work.resolve("escaped")));
    assertFalse(Files.exists(layout.resolve("escaped")));
    assertFalse(Files.exists(layout.resolve("blobs/sha256/not-a-digest")));
    assertFalse(Files.exists(layout.resolve("blobs/sha512")));
    assertFalse(Files.exists(layout.resolve("somewhere")));
    try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
      assertEquals(Set.copyOf(image.blobs()),
          Set.copyOf(blobs.map(p -> p.getFileName().toString()).toList()));
    }
  }

  @Test
  void aTarballWithoutIndexIsAnError() throws Exception {
    Path tar = work.resolve("noindex.tar");
    writeTar(tar, Map.of("blobs/sha256/" + sha256(new byte[0]), new byte[0]));
    Path layout = work.resolve("layout");
    IOException e = assertThrows(IOException.class,
        () -> OciLayoutWriter.add(tar, layout, List.of("v1"), NO_OTHER_BUILD, warning -> {}));
    assertTrue(e.getMessage().contains("index.json"), e.getMessage());
    assertFalse(Files.exists(layout.resolve("index.json")));
  }

  @Test
  void keepsUntaggedManifestsOfAnExistingLayout() throws Exception {
    FakeImage other = image("other", "someone else's layer");
    FakeImage mine = image("mine", "my layer");
    Path layout = Files.createDirectories(work.resolve("layout"));
    // a layout written by another tool, holding one manifest without a ref name
    ObjectNode existing = JSON.createObjectNode().put("schemaVersion", 2);
    existing.putArray("manifests").addObject().put("mediaType", MANIFEST_TYPE)
        .put("digest", other.manifestDigest()).put("size", other.manifestSize());
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(existing));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

    OciLayoutWriter.add(mine.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});

    List<String> digests = index(layout).path("manifests").findValuesAsText("digest");
    assertEquals(List.of(other.manifestDigest(), mine.manifestDigest()), digests);
  }

  @Test
  void aCorruptBlobAlreadyInTheLayoutIsReportedAndWrittenAgainWhenATagIsAdded() throws Exception {
    FakeImage image = image("img", "layer");
    Path layout = work.resolve("layout");
    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});
    Path layer = layout.resolve("blobs/sha256").resolve(image.blobs().get(0));
    Files.writeString(layer, "tampered");
    List<String> warnings = new java.util.ArrayList<>();

    OciLayoutWriter.add(image.tar(), layout, List.of("v2"), NO_OTHER_BUILD, warnings::add);

    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("sha256:" + image.blobs().get(0)), warnings.get(0));
    assertBlobsPresent(layout, image);
    assertEquals(Map.of("v1", image.manifestDigest(), "v2", image.manifestDigest()), refs(layout));
    assertNoTemporaryFiles(layout);
  }

  @Test
  void blobsThatMatchTheirDigestAreKeptWithoutAWord() throws Exception {
    FakeImage image = image("img", "layer");
    Path layout = work.resolve("layout");
    OciLayoutWriter.add(image.tar(), layout, List.of("v1"), NO_OTHER_BUILD, warning -> {});
    List<String> warnings = new java.util.ArrayList<>();

    OciLayoutWriter.add(image.tar(), layout, List.of("v2"), NO_OTHER_BUILD, warnings::add);

    assertEquals(List.of(), warnings);
  }

  @Test
  void aBlobFromJibThatDoesNotMatchItsNameIsRefusedAndNotWritten() throws Exception {
    Path tar = work.resolve("bad.tar");
    String claimed = sha256("the real layer".getBytes(StandardCharsets.UTF_8));
    writeTar(tar, Map.of("blobs/sha256/" + claimed, "a corrupt layer".getBytes(StandardCharsets.UTF_8)));
    Path layout = work.resolve("layout");

    CorruptBlobException thrown = assertThrows(CorruptBlobException.class,
        () -> OciLayoutWriter.add(tar, layout, List.of("v1"), NO_OTHER_BUILD, warning -> {}));

    assertEquals("sha256:" + claimed, thrown.digest());
    assertFalse(Files.exists(layout.resolve("blobs/sha256").resolve(claimed)));
    assertNoTemporaryFiles(layout);
  }
}
