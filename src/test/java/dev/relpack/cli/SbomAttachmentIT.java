package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a build does with its SBOM by default, as a user sees it: a registry or oci: target gets
 * it attached as the image's OCI referrer (on the real CNCF registry, which has no referrers API,
 * under the referrers tag), the same document {@code --sbom} writes; {@code --no-sbom} attaches
 * nothing; a docker-archive holds none. Read back with the registry's HTTP API and skopeo.
 */
class SbomAttachmentIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path work;
  static RegistryServer registry;

  @BeforeAll
  static void start() throws IOException {
    registry = RegistryServer.start(work.resolve("registry"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static Command.Result build(String... more) {
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString()));
    args.addAll(List.of(more));
    return new Relpack(work.resolve("home")).run(args).requireSuccess();
  }

  private static HttpResponse<byte[]> get(String path, String accept) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + path))
        .header("Accept", accept).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static JsonNode json(String path, String accept) throws Exception {
    HttpResponse<byte[]> response = get(path, accept);
    assertEquals(200, response.statusCode(), path);
    return JSON.readTree(response.body());
  }

  private static String hex(String digest) {
    return digest.substring("sha256:".length());
  }

  @Test
  void aPushedImageCarriesItsSbomAsAReferrerTheSameDocumentAsTheFileOnceOnly() throws Exception {
    String to = registry.address() + "/shop/app:1";
    Path sbomFile = work.resolve("shop.cdx.json");
    Path metadata = work.resolve("shop.json");
    Command.Result built = build("--to", to, "--sbom", sbomFile.toString(),
        "--metadata", metadata.toString());
    String digest = JSON.readTree(metadata.toFile()).path("digest").asText();
    String referrer = JSON.readTree(metadata.toFile()).path("sbomReferrer").asText();
    assertTrue(built.stdout().contains("  sbom: attached as " + referrer), built.stdout());

    JsonNode index = json("/v2/shop/app/manifests/sha256-" + hex(digest), OCI_INDEX);
    assertEquals(1, index.path("manifests").size(), index.toString());
    assertEquals(referrer, index.path("manifests").get(0).path("digest").asText());
    assertEquals("application/vnd.cyclonedx+json",
        index.path("manifests").get(0).path("artifactType").asText());
    // an independent client reads the artifact manifest: its subject is the image
    JsonNode artifact = Skopeo.manifest("docker://" + registry.address() + "/shop/app@"
        + referrer);
    assertEquals(digest, artifact.path("subject").path("digest").asText());
    String layer = artifact.path("layers").get(0).path("digest").asText();
    HttpResponse<byte[]> blob = get("/v2/shop/app/blobs/" + layer, "*/*");
    assertArrayEquals(Files.readAllBytes(sbomFile), blob.body(),
        "the attached SBOM is the document --sbom wrote");

    // the same build again: the same referrer, listed once
    build("--to", to);
    JsonNode again = json("/v2/shop/app/manifests/sha256-" + hex(digest), OCI_INDEX);
    assertEquals(index, again);
    // the image's own tag still names the image, not the list
    assertEquals(digest, Skopeo.inspect("docker://" + to).path("Digest").asText());
  }

  @Test
  void theSbomOfAKnownImageStillListedIsNeitherMadeNorAttachedAgain() throws Exception {
    String to = registry.address() + "/known/app:1";
    Relpack relpack = new Relpack(work.resolve("home-known"))
        .env("XDG_STATE_HOME", work.resolve("state-known").toString());
    Path first = work.resolve("known-1.json");
    // scratch: an image whose base is named by its content is known by its inputs (the host
    // base is not)
    relpack.run(List.of("build", "--release", Testdata.demoTarball().toString(), "--to", to,
        "--from", "scratch", "--no-check", "--metadata", first.toString())).requireSuccess();
    String referrer = JSON.readTree(first.toFile()).path("sbomReferrer").asText();

    int before = registry.requests().size();
    Path second = work.resolve("known-2.json");
    Command.Result again = relpack.run(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--to", to, "--from", "scratch", "--no-check",
        "--metadata", second.toString(), "-v")).requireSuccess();

    assertTrue(again.stderr().contains(referrer + ", is still there and listed: not made or"
        + " attached again"), again.stderr());
    assertEquals(referrer, JSON.readTree(second.toFile()).path("sbomReferrer").asText());
    assertTrue(again.stdout().contains("  sbom: attached as " + referrer), again.stdout());
    List<RegistryServer.Request> requests =
        registry.requests().subList(before, registry.requests().size());
    assertTrue(requests.stream().noneMatch(r -> r.method().equals("PUT")
        || r.method().equals("POST")), "nothing written: " + requests);
  }

  @Test
  void noSbomAttachesNothingAndSpdxIsAttachedAsSpdx() throws Exception {
    String plain = registry.address() + "/plain/app:1";
    Path metadata = work.resolve("plain.json");
    Command.Result built = build("--to", plain, "--no-sbom", "--metadata", metadata.toString());
    String digest = JSON.readTree(metadata.toFile()).path("digest").asText();
    assertEquals(404, get("/v2/plain/app/manifests/sha256-" + hex(digest), OCI_INDEX)
        .statusCode());
    assertFalse(built.stdout().contains("sbom:"), built.stdout());
    assertTrue(JSON.readTree(metadata.toFile()).path("sbomReferrer").isMissingNode());

    String spdx = registry.address() + "/spdx/app:1";
    Path spdxMetadata = work.resolve("spdx.json");
    build("--to", spdx, "--sbom-format", "spdx", "--metadata", spdxMetadata.toString());
    String spdxDigest = JSON.readTree(spdxMetadata.toFile()).path("digest").asText();
    JsonNode index = json("/v2/spdx/app/manifests/sha256-" + hex(spdxDigest), OCI_INDEX);
    assertEquals("application/spdx+json",
        index.path("manifests").get(0).path("artifactType").asText());
  }

  @Test
  void anOciLayoutHoldsTheReferrerBesideItsImageAndADockerArchiveHoldsNone() throws Exception {
    Path layout = work.resolve("layout");
    Path metadata = work.resolve("layout.json");
    build("--to", "oci:" + layout + ":1", "--metadata", metadata.toString());
    String digest = JSON.readTree(metadata.toFile()).path("digest").asText();
    String referrer = JSON.readTree(metadata.toFile()).path("sbomReferrer").asText();
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    List<String> subjects = new ArrayList<>();
    for (JsonNode entry : index.path("manifests")) {
      if (entry.path("digest").asText().equals(referrer)) {
        assertEquals(OCI_MANIFEST, entry.path("mediaType").asText());
        JsonNode artifact = JSON.readTree(layout.resolve("blobs/sha256/" + hex(referrer))
            .toFile());
        subjects.add(artifact.path("subject").path("digest").asText());
      }
    }
    assertEquals(List.of(digest), subjects, index.toString());
    // the image is still found by its tag
    assertEquals(digest, Skopeo.inspect("oci:" + layout + ":1").path("Digest").asText());

    Path archive = work.resolve("image.tar");
    Path sbomFile = work.resolve("archive.cdx.json");
    Path archiveMetadata = work.resolve("archive.json");
    Command.Result built = build("--to", "tar:" + archive, "--sbom", sbomFile.toString(),
        "--metadata", archiveMetadata.toString());
    assertTrue(Files.size(sbomFile) > 0);
    assertFalse(built.stdout().contains("sbom:"), built.stdout());
    assertTrue(JSON.readTree(archiveMetadata.toFile()).path("sbomReferrer").isMissingNode());
  }

  @Test
  void aReferrersTagThatIsNoListCostsAWarningNotTheBuild() throws Exception {
    String to = registry.address() + "/taken/app:1";
    Path metadata = work.resolve("taken.json");
    build("--to", to, "--no-sbom", "--metadata", metadata.toString());
    String digest = JSON.readTree(metadata.toFile()).path("digest").asText();
    // another tool put an image, not a referrers list, under the image's referrers tag
    String referrersTag = registry.address() + "/taken/app:sha256-" + hex(digest);
    Skopeo.copy("docker://" + to, "docker://" + referrersTag);
    String foreign = Skopeo.inspect("docker://" + referrersTag).path("Digest").asText();

    Command.Result built = build("--to", to, "--metadata", metadata.toString());
    assertTrue(built.stderr().lines().anyMatch(l -> l.startsWith("warning: built " + registry.address()
        + "/taken/app@" + digest + " but did not attach its SBOM: ") && l.contains("--no-sbom")),
        built.stderr());
    assertFalse(built.stderr().contains("Exception"), built.stderr());
    assertTrue(JSON.readTree(metadata.toFile()).path("sbomReferrer").isMissingNode());
    assertEquals(digest, Skopeo.inspect("docker://" + to).path("Digest").asText());
    assertEquals(foreign, Skopeo.inspect("docker://" + referrersTag).path("Digest").asText(),
        "what another tool put there is left as it was");
  }
}
