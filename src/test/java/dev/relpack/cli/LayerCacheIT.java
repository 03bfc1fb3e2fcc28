package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rebuilds, with releases built by this machine's mix: an unchanged release compresses and uploads
 * nothing; a one-module change compresses and uploads only the app layer (and the config), whether
 * the release comes as a tarball or as the directory mix rewrote (new mtimes everywhere).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LayerCacheIT {
  @TempDir static Path work;
  static RegistryServer registry;
  static DemoProject project;
  static Relpack relpack;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(work.resolve("registry"));
    project = DemoProject.copyTo(work);
    relpack = new Relpack(work.resolve("home"));
    image = registry.address() + "/cache/demo";
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  @Order(1)
  void aColdBuildBuildsAndUploadsEverything() throws Exception {
    JsonNode metadata = build(project.release(), "cold");
    for (JsonNode layer : metadata.path("layers")) {
      String expected = layer.path("name").asText().equals("base") ? "base" : "built";
      assertEquals(expected, layer.path("origin").asText(), layer.toString());
    }
    assertEquals(metadata.path("layers").size() + 1, metadata.path("uploadedBlobs").asInt(),
        "every layer and the config");
  }

  @Test
  @Order(2)
  void anUnchangedReleaseCompressesNothingAndUploadsNoBlob() throws Exception {
    int before = registry.requests().size();
    JsonNode metadata = build(project.releaseDirectory(), "warm");
    for (JsonNode layer : metadata.path("layers")) {
      assertTrue(Set.of("base", "cached").contains(layer.path("origin").asText()), layer.toString());
    }
    assertEquals(0, metadata.path("uploadedBlobs").asInt());
    assertEquals(0, metadata.path("uploadedBytes").asLong());
    List<RegistryServer.Request> since = registry.requests().subList(before, registry.requests().size());
    assertTrue(since.stream().noneMatch(RegistryServer.Request::isBlobUpload), since.toString());
    assertTrue(since.stream().anyMatch(r -> r.method().equals("PUT") && r.path().contains("/manifests/warm")));
  }

  @Test
  @Order(3)
  void aOneModuleChangeCompressesAndUploadsOnlyTheAppLayer() throws Exception {
    project.changeOneModule("(changed)");
    project.release(); // mix rewrites every file of the release directory: all mtimes are new

    int before = registry.requests().size();
    JsonNode metadata = build(project.releaseDirectory(), "changed");
    // a changed function body changes no boot script: the release layer stays as it was
    assertEquals(Map.of("base", "base", "host", "cached", "erts", "cached", "otp", "cached",
        "deps", "cached", "app", "built", "release", "cached"), origins(metadata));
    assertEquals(2, metadata.path("uploadedBlobs").asInt(), "the app layer and the config");
    List<RegistryServer.Request> since = registry.requests().subList(before, registry.requests().size());
    // jib's config, and the one relpack writes with itself as the history's author
    assertEquals(3, since.stream().filter(r -> r.method().equals("PUT") && r.isBlobUpload()).count(),
        since.toString());
    long total = 0;
    for (JsonNode layer : metadata.path("layers")) {
      total += layer.path("size").asLong();
    }
    assertTrue(metadata.path("uploadedBytes").asLong() < total / 20,
        "under 5% of " + total + " bytes: " + metadata.path("uploadedBytes"));

    // the tarball mix wrote for the same change: nothing left to compress or upload
    JsonNode again = build(project.dir().resolve("_build/prod/demo-0.1.0.tar.gz"), "changed-tar");
    assertEquals(Map.of("base", "base", "host", "cached", "erts", "cached", "otp", "cached",
        "deps", "cached", "app", "cached", "release", "cached"), origins(again));
    assertEquals(0, again.path("uploadedBlobs").asInt());
    assertEquals(metadata.path("digest"), again.path("digest"));
  }

  private static Map<String, String> origins(JsonNode metadata) {
    Map<String, String> origins = new HashMap<>();
    for (JsonNode layer : metadata.path("layers")) {
      origins.put(layer.path("name").asText(), layer.path("origin").asText());
    }
    return origins;
  }

  private static JsonNode build(Path release, String tag) throws Exception {
    Path metadata = work.resolve("metadata-" + tag + "-" + System.nanoTime() + ".json");
    // no SBOM: the requests counted here are the image's (SbomAttachmentIT counts the SBOM's)
    relpack.succeed("build", "--release", release.toString(), "--to", image + ":" + tag,
        "--metadata", metadata.toString(), "--no-sbom");
    return new ObjectMapper().readTree(metadata.toFile());
  }
}
