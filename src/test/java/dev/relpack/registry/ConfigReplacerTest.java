package dev.relpack.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.binaryEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.RegistryException;
import dev.relpack.io.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replacing a pushed image's config, against registry answers the real one does not give. */
class ConfigReplacerTest {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String BASIC = "Basic " + Base64.getEncoder()
      .encodeToString("ci:s3cret".getBytes(StandardCharsets.UTF_8));
  private WireMockServer registry;
  private WireMockServer elsewhere;
  private ConfigReplacer replacer;

  @BeforeEach
  void start() {
    registry = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    elsewhere = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    registry.start();
    elsewhere.start();
    replacer = new RegistryReader(new RegistryAccess(false), r -> RegistryProbe.Transport.HTTP,
        Duration.ofSeconds(10), ReadLimits.DEFAULT).configReplacer();
  }

  @AfterEach
  void stop() {
    registry.stop();
    elsewhere.stop();
  }

  @Test
  void aWrittenManifestIsDescribedAsTheRegistryWillHoldIt() {
    byte[] docker = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution"
        + ".manifest.v2+json\",\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    RegistryReader.Descriptor described =
        new ConfigReplacer.Written(new byte[0], docker).manifestDescriptor();
    assertEquals("sha256:" + Sha256.of(docker), described.digest());
    assertEquals(docker.length, described.size());
    assertEquals("application/vnd.docker.distribution.manifest.v2+json", described.mediaType());

    byte[] unnamed = "{\"schemaVersion\":2,\"layers\":[]}".getBytes(StandardCharsets.UTF_8);
    assertEquals("application/vnd.oci.image.manifest.v1+json", new ConfigReplacer.Written(
        new byte[0], unnamed).manifestDescriptor().mediaType(), "put as OCI, so described");
  }

  @Test
  void anUploadLocationOnAnotherServerGetsTheConfigWithoutTheRegistrysCredentials()
      throws Exception {
    String digest = stubPushedImage();
    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/")).willReturn(aResponse()
        .withStatus(202).withHeader("Location", elsewhere.baseUrl() + "/upload/1")));
    elsewhere.stubFor(put(urlPathEqualTo("/upload/1")).willReturn(aResponse().withStatus(201)));
    registry.stubFor(put(urlPathMatching("/v2/app/manifests/.*"))
        .willReturn(aResponse().withStatus(201)));

    ConfigReplacer.Image replaced = replace(digest, List.of("1"));

    assertNotEquals(digest, replaced.digest());
    elsewhere.verify(1, putRequestedFor(urlPathEqualTo("/upload/1"))
        .withHeader("Authorization", absent()));
    assertEquals(0, elsewhere.findAll(anyRequestedFor(urlPathMatching(".*"))
        .withHeader("Authorization", equalTo(BASIC))).size());
    registry.verify(putRequestedFor(urlEqualTo("/v2/app/manifests/1"))
        .withHeader("Authorization", equalTo(BASIC)));
  }

  @Test
  void aTagTheRegistryWillNotMoveIsAnErrorThatNamesTheTagsAlreadyMoved() throws Exception {
    String digest = stubPushedImage();
    stubUploadsAndManifests();
    // an immutable tag, as ECR and Harbor can make them
    registry.stubFor(put(urlEqualTo("/v2/app/manifests/1.2.0")).atPriority(2)
        .willReturn(aResponse().withStatus(400)));

    RegistryException e = assertThrows(RegistryException.class,
        () -> replace(digest, List.of("main", "1.2.0")));

    assertTrue(e.getMessage().contains("(after moving main to sha256:"), e.getMessage());
    registry.verify(putRequestedFor(urlPathMatching("/v2/app/manifests/sha256:.*")));
  }

  @Test
  void aRevisionIsWrittenAsItWasWorkedOut(@TempDir Path dir) throws Exception {
    String digest = stubPushedImageWithLayers();
    stubUploadsAndManifests();
    Path blob = Files.write(dir.resolve("blob"), new byte[] {1, 2, 3});
    List<ConfigReplacer.TopLayer> top = List.of(new ConfigReplacer.TopLayer(
        "sha256:" + Sha256.of(new byte[] {1, 2, 3}), 3, "sha256:" + "d".repeat(64), blob));
    ConfigReplacer.Pushed pushed = replacer.read(image(),
        Optional.of(Credential.from("ci", "s3cret")), digest);
    ConfigReplacer.Written revision = ConfigReplacer.revision(pushed, 1, top, 1, Map.of());

    ConfigReplacer.Revised revised = replacer.revise(pushed, revision, top, List.of("1"));

    assertEquals("sha256:" + Sha256.of(revision.manifest()), revised.image().digest());
    assertEquals("sha256:" + Sha256.of(revision.config()), revised.image().configDigest());
    registry.verify(putRequestedFor(urlEqualTo("/v2/app/manifests/1"))
        .withRequestBody(binaryEqualTo(revision.manifest())));
    registry.verify(putRequestedFor(urlPathMatching("/v2/app/blobs/uploads/.*"))
        .withRequestBody(binaryEqualTo(revision.config())));
    // one tag: its PUT is the write, and none by digest goes before it
    registry.verify(0, putRequestedFor(urlPathMatching("/v2/app/manifests/sha256:.*")));
  }

  @Test
  void aRevisionAsksForEachBlobWithTheRequestThatWouldUploadIt(@TempDir Path dir)
      throws Exception {
    String digest = stubPushedImageWithLayers();
    stubUploadsAndManifests();
    Path held = Files.write(dir.resolve("held"), new byte[20]);
    Path fresh = Files.write(dir.resolve("fresh"), new byte[] {1, 2, 3});
    String heldDigest = "sha256:" + "e".repeat(64);
    String freshDigest = "sha256:" + Sha256.of(new byte[] {1, 2, 3});
    ConfigReplacer.Pushed pushed = replacer.read(image(),
        Optional.of(Credential.from("ci", "s3cret")), digest);
    List<ConfigReplacer.TopLayer> unchanged = List.of(new ConfigReplacer.TopLayer(heldDigest, 20,
        "sha256:" + "b".repeat(64), held));
    String config = "sha256:" + Sha256.of(
        ConfigReplacer.revision(pushed, 1, unchanged, 1, Map.of()).config());
    // the repository holds that layer and config: the mount from itself says so (201)
    for (String blob : List.of(heldDigest, config)) {
      registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/"))
          .withQueryParam("mount", equalTo(blob)).withQueryParam("from", equalTo("app"))
          .willReturn(aResponse().withStatus(201)));
    }

    ConfigReplacer.Revised same = replacer.revise(pushed,
        ConfigReplacer.revision(pushed, 1, unchanged, 1, Map.of()), unchanged, List.of("1"));

    assertEquals(java.util.Set.of(), same.uploaded());
    assertEquals(0, same.uploadedBytes());
    assertEquals(List.of("POST /v2/app/blobs/uploads/?mount=" + config + "&from=app",
        "POST /v2/app/blobs/uploads/?mount=" + heldDigest + "&from=app"), blobRequests(),
        "one request each, and nothing sent");

    registry.resetRequests();
    List<ConfigReplacer.TopLayer> freshTop = List.of(
        new ConfigReplacer.TopLayer(freshDigest, 3, "sha256:" + "d".repeat(64), fresh));
    ConfigReplacer.Revised changed = replacer.revise(pushed,
        ConfigReplacer.revision(pushed, 1, freshTop, 1, Map.of()), freshTop, List.of("1"));

    assertEquals(java.util.Set.of(freshDigest), changed.uploaded());
    List<String> requests = blobRequests();
    assertTrue(requests.contains("POST /v2/app/blobs/uploads/?mount=" + freshDigest
        + "&from=app"), requests.toString());
    assertTrue(requests.stream().noneMatch(r -> r.startsWith("HEAD")), requests.toString());
    assertEquals(2, requests.stream().filter(r -> r.startsWith("PUT")).count(),
        "the new layer and the new config: " + requests);
  }

  @Test
  void aRegistryThatRefusesTheMountItWasAskedForGetsAPlainUpload(@TempDir Path dir)
      throws Exception {
    String digest = stubPushedImageWithLayers();
    stubUploadsAndManifests();
    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/"))
        .withQueryParam("mount", matching(".*")).willReturn(aResponse().withStatus(400)));
    Path fresh = Files.write(dir.resolve("fresh"), new byte[] {1, 2, 3});
    String freshDigest = "sha256:" + Sha256.of(new byte[] {1, 2, 3});
    ConfigReplacer.Pushed pushed = replacer.read(image(),
        Optional.of(Credential.from("ci", "s3cret")), digest);

    List<ConfigReplacer.TopLayer> top = List.of(
        new ConfigReplacer.TopLayer(freshDigest, 3, "sha256:" + "d".repeat(64), fresh));
    ConfigReplacer.Revised revised = replacer.revise(pushed,
        ConfigReplacer.revision(pushed, 1, top, 1, Map.of()), top, List.of("1"));

    assertEquals(java.util.Set.of(freshDigest), revised.uploaded());
    assertEquals(2, blobRequests().stream().filter(r -> r.equals("POST /v2/app/blobs/uploads/"))
        .count(), "the layer's and the config's plain POSTs: " + blobRequests());
  }

  /** The blob requests the registry answered, bar the config's read and the 401s. */
  private List<String> blobRequests() {
    return registry.getAllServeEvents().stream()
        .filter(e -> e.getRequest().getUrl().startsWith("/v2/app/blobs/")
            && e.getResponse().getStatus() != 401
            && !e.getRequest().getUrl().startsWith("/v2/app/blobs/sha256:"))
        .map(e -> e.getRequest().getMethod() + " " + e.getRequest().getUrl())
        .sorted().toList();
  }

  @Test
  void aNewImageMountsItsBaseLayersAndIsNotWrittenWhenTheRegistryWillNotMountOne(
      @TempDir Path dir) throws Exception {
    stub("{}", "sha256:" + "0".repeat(64), "{}"); // Basic auth; no image to read
    stubUploadsAndManifests();
    String base = "sha256:" + "c".repeat(64);
    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/"))
        .withQueryParam("mount", equalTo(base)).withQueryParam("from", equalTo("team/base"))
        .willReturn(aResponse().withStatus(202)
            .withHeader("Location", "/v2/app/blobs/uploads/u2")));
    Path blob = Files.write(dir.resolve("blob"), new byte[] {1, 2, 3});
    String top = "sha256:" + Sha256.of(new byte[] {1, 2, 3});
    // not in the base's repository: the mount asked for as the upload starts opens the upload
    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/"))
        .withQueryParam("mount", equalTo(top)).withQueryParam("from", equalTo("team/base"))
        .willReturn(aResponse().withStatus(202)
            .withHeader("Location", "/v2/app/blobs/uploads/u1")));
    byte[] config = "{\"config\":{}}".getBytes(StandardCharsets.UTF_8);
    String layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\"%s\",\"size\":%d}";
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        + "\"digest\":\"sha256:" + Sha256.of(config) + "\",\"size\":" + config.length + "},"
        + "\"layers\":[" + String.format(layer, base, 10) + "," + String.format(layer, top, 3)
        + "]}").getBytes(StandardCharsets.UTF_8);
    ConfigReplacer.Written written = new ConfigReplacer.Written(config, manifest);
    List<ConfigReplacer.TopLayer> layers = List.of(
        new ConfigReplacer.TopLayer(top, 3, "sha256:" + "d".repeat(64), blob));
    ImageReference from = ImageReference.parse("127.0.0.1:" + registry.port() + "/team/base:1");

    assertTrue(replacer.writeNew(image(), Optional.of(Credential.from("ci", "s3cret")), from,
        written, layers, List.of("1")).isEmpty(), "202: the registry opened an upload instead");
    registry.verify(0, putRequestedFor(urlPathMatching("/v2/app/manifests/.*")));

    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/"))
        .withQueryParam("mount", equalTo(base)).withQueryParam("from", equalTo("team/base"))
        .willReturn(aResponse().withStatus(201)));
    ConfigReplacer.Revised revised = replacer.writeNew(image(),
        Optional.of(Credential.from("ci", "s3cret")), from, written, layers, List.of("1"))
        .orElseThrow();

    assertEquals("sha256:" + Sha256.of(manifest), revised.image().digest());
    assertEquals(java.util.Set.of(top), revised.uploaded(), "the top layer, not the base's");
    assertEquals(java.util.Set.of(), revised.mounted());
    registry.verify(putRequestedFor(urlEqualTo("/v2/app/manifests/1"))
        .withHeader("Content-Type", equalTo(OCI_MANIFEST))
        .withRequestBody(binaryEqualTo(manifest)));
  }

  /** jib's image as the registry holds it (Basic auth); returns its manifest's digest. */
  private String stubPushedImage() {
    String config = "{\"history\":[{\"author\":\"Jib\"}]}";
    String configDigest = "sha256:" + Sha256.of(config);
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
        + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + configDigest + "\",\"size\":" + config.length() + "},\"layers\":[]}";
    return stub(manifest, configDigest, config);
  }

  /** As {@link #stubPushedImage}, with a base layer and one of relpack's. */
  private String stubPushedImageWithLayers() {
    String config = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + "a".repeat(64)
        + "\",\"sha256:" + "b".repeat(64) + "\"]},\"history\":[{},{\"author\":\"Jib\"}]}";
    String configDigest = "sha256:" + Sha256.of(config);
    String layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":"
        + "\"sha256:%s\",\"size\":%d}";
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
        + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + configDigest + "\",\"size\":" + config.length() + "},\"layers\":["
        + String.format(layer, "c".repeat(64), 10) + "," + String.format(layer, "e".repeat(64), 20)
        + "]}";
    return stub(manifest, configDigest, config);
  }

  /** Takes every blob upload (one session, u1) and every manifest PUT. */
  private void stubUploadsAndManifests() {
    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/")).willReturn(aResponse()
        .withStatus(202).withHeader("Location", "/v2/app/blobs/uploads/u1")));
    registry.stubFor(put(urlPathEqualTo("/v2/app/blobs/uploads/u1"))
        .willReturn(aResponse().withStatus(201)));
    registry.stubFor(put(urlPathMatching("/v2/app/manifests/.*"))
        .willReturn(aResponse().withStatus(201)));
  }

  /** Serves the manifest and config (Basic auth); the manifest's digest. */
  private String stub(String manifest, String configDigest, String config) {
    String digest = "sha256:" + Sha256.of(manifest);
    registry.stubFor(any(urlPathMatching("/v2/.*")).withHeader("Authorization", absent())
        .atPriority(1).willReturn(aResponse().withStatus(401)
            .withHeader("WWW-Authenticate", "Basic realm=\"test\"")));
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + digest)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_MANIFEST).withBody(manifest)));
    registry.stubFor(get(urlEqualTo("/v2/app/blobs/" + configDigest))
        .willReturn(aResponse().withBody(config)));
    return digest;
  }

  private ImageReference image() throws Exception {
    return ImageReference.parse("127.0.0.1:" + registry.port() + "/app:1");
  }

  private ConfigReplacer.Image replace(String digest, List<String> tags) throws Exception {
    ImageReference image = image();
    ConfigReplacer.Pushed pushed = replacer.read(image,
        Optional.of(Credential.from("ci", "s3cret")), digest);
    return replacer.replace(pushed,
        bytes -> new String(bytes, StandardCharsets.UTF_8).replace("Jib", "relpack")
            .getBytes(StandardCharsets.UTF_8), Map.of(), tags);
  }
}
