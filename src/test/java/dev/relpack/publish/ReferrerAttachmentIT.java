package dev.relpack.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.io.Sha256;
import dev.relpack.registry.RegistryReader;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SBOMs attached to images relpack built, as OCI 1.1 referrers: on the real CNCF registry (2.8,
 * which has no referrers API, so through the referrers tag), read back with its HTTP API and
 * skopeo; and in an OCI layout, read back as oras finds referrers there and checked with skopeo
 * and umoci.
 */
class ReferrerAttachmentIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String CYCLONEDX = "application/vnd.cyclonedx+json";
  private static final String SPDX = "application/spdx+json";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path work;

  private static byte[] sbom(String text) {
    return ("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"metadata\":{\"component\":"
        + "{\"name\":\"" + text + "\"}}}").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * relpack builds the demo release to {@code to}, attaching nothing itself (these tests attach
   * through the API, and count the referrers); the image's digest.
   */
  private String build(String to, String... more) throws IOException {
    Path digestFile = work.resolve("digest-" + Sha256.of(to));
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--to", to, "--digest-file", digestFile.toString(),
        "--no-sbom"));
    args.addAll(List.of(more));
    new Relpack(work.resolve("home")).run(args).requireSuccess();
    return Files.readString(digestFile).trim();
  }

  /** A plain GET of the registry's HTTP API: the body, or an error with the status. */
  private static byte[] get(RegistryServer registry, String path, String accept) {
    HttpResponse<byte[]> response = send(registry, path, accept);
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + path + " answered " + response.statusCode());
    }
    return response.body();
  }

  private static HttpResponse<byte[]> send(RegistryServer registry, String path, String accept) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + path))
          .header("Accept", accept).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static JsonNode referrers(RegistryServer registry, String subject) throws IOException {
    return JSON.readTree(get(registry, "/v2/app/manifests/sha256-" + subject.substring(7),
        OCI_INDEX));
  }

  private static List<String> digests(JsonNode index) {
    List<String> digests = new ArrayList<>();
    index.path("manifests").forEach(m -> digests.add(m.path("digest").asText()));
    return digests;
  }

  @Test
  void sbomsAttachedToTwoImagesAreListedUnderEachImagesReferrersTagAndKeepEachOther()
      throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String first = build(registry.address() + "/app:a");
      String second = build(registry.address() + "/app:b", "-e", "VARIANT=b");
      RegistryTarget target = new RegistryTarget(ImageReference.of(registry.address(), "app",
          "a"), List.of("a"));
      List<String> warnings = new ArrayList<>();
      TargetAccess access = access(warnings);
      byte[] sbom = sbom("first");

      String attached = target.attach(first, Attachment.cycloneDx(sbom), access).orElseThrow();

      // the registry has no referrers API (distribution 2.8): the tag schema is what lists it
      assertEquals(404, send(registry, "/v2/app/referrers/" + first, OCI_INDEX).statusCode());
      byte[] manifestBytes = get(registry, "/v2/app/manifests/" + attached, OCI_MANIFEST);
      assertEquals(attached, "sha256:" + Sha256.of(manifestBytes));
      JsonNode index = referrers(registry, first);
      assertEquals(OCI_INDEX, index.path("mediaType").asText());
      assertEquals(1, index.path("manifests").size());
      JsonNode entry = index.path("manifests").get(0);
      assertEquals(OCI_MANIFEST, entry.path("mediaType").asText());
      assertEquals(attached, entry.path("digest").asText());
      assertEquals(manifestBytes.length, entry.path("size").asLong());
      assertEquals(CYCLONEDX, entry.path("artifactType").asText());

      JsonNode manifest = JSON.readTree(manifestBytes);
      byte[] image = get(registry, "/v2/app/manifests/" + first, OCI_MANIFEST);
      assertEquals(first, manifest.path("subject").path("digest").asText());
      assertEquals(image.length, manifest.path("subject").path("size").asLong());
      assertEquals(OCI_MANIFEST, manifest.path("subject").path("mediaType").asText());
      assertEquals(CYCLONEDX, manifest.path("artifactType").asText());
      assertEquals("application/vnd.oci.empty.v1+json",
          manifest.path("config").path("mediaType").asText());
      assertEquals("{}", new String(get(registry, "/v2/app/blobs/"
          + manifest.path("config").path("digest").asText(), "*/*"), StandardCharsets.UTF_8));
      assertEquals(1, manifest.path("layers").size());
      JsonNode layer = manifest.path("layers").get(0);
      assertEquals(CYCLONEDX, layer.path("mediaType").asText());
      assertEquals(sbom.length, layer.path("size").asLong());
      assertArrayEquals(sbom, get(registry, "/v2/app/blobs/" + layer.path("digest").asText(),
          "*/*"));
      // skopeo, an independent client, reads the referrer manifest as the registry stored it
      assertEquals(manifest, Skopeo.manifest("docker://" + registry.address() + "/app@"
          + attached));

      String other = target.attach(second, Attachment.spdx(sbom("second")), access)
          .orElseThrow();
      String third = target.attach(first, Attachment.cycloneDx(sbom("third")), access)
          .orElseThrow();

      assertEquals(List.of(other), digests(referrers(registry, second)));
      assertEquals(SPDX, referrers(registry, second).path("manifests").get(0)
          .path("artifactType").asText());
      JsonNode firstList = referrers(registry, first);
      assertEquals(List.of(attached, third), digests(firstList));
      assertEquals(entry, firstList.path("manifests").get(0), "the first entry as it was");

      byte[] before = get(registry, "/v2/app/manifests/sha256-" + first.substring(7), OCI_INDEX);
      int requests = registry.requests().size();
      String again = target.attach(first, Attachment.cycloneDx(sbom), access).orElseThrow();

      assertEquals(attached, again, "the same bytes make the same artifact manifest");
      assertArrayEquals(before, get(registry, "/v2/app/manifests/sha256-" + first.substring(7),
          OCI_INDEX), "no duplicate entry, the list not rewritten");
      assertTrue(registry.requests().subList(requests, registry.requests().size()).stream()
          .noneMatch(r -> r.method().equals("PUT") && r.path().contains("/manifests/sha256-")),
          registry.requests().toString());
      assertEquals(java.util.stream.Stream.of("a", "b", "sha256-" + first.substring(7),
          "sha256-" + second.substring(7)).sorted().toList(),
          registry.tags("app").stream().sorted().toList());
      assertEquals(List.of(), warnings);
    }
  }

  /**
   * What a build does as it writes its image itself: the SBOM's blobs go up before the image is
   * in, and its manifest is put only once the image is, or never when it was not written.
   */
  @Test
  void anSbomAttachedWhileItsImageIsWrittenIsPutOnlyOnceTheImageIsIn() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String image = build(registry.address() + "/built:a");
      byte[] manifestBytes = get(registry, "/v2/built/manifests/" + image, OCI_MANIFEST);
      RegistryReader.Descriptor subject =
          new RegistryReader.Descriptor(image, manifestBytes.length, OCI_MANIFEST);
      RegistryTarget target = new RegistryTarget(ImageReference.of(registry.address(), "app",
          "a"), List.of("a"));
      List<String> warnings = new ArrayList<>();
      byte[] sbom = sbom("ahead");
      String sbomBlob = "/v2/app/blobs/sha256:" + Sha256.of(sbom);

      assertEquals(Optional.empty(), target.attachOnceWritten(subject, () -> false,
          Attachment.cycloneDx(sbom), access(warnings)), "the image was not written");
      assertTrue(registry.requests().stream().noneMatch(r -> r.method().equals("PUT")
          && r.path().startsWith("/v2/app/manifests/")), registry.requests().toString());
      assertEquals(List.of(), registry.tags("app"));

      List<Integer> sbomBeforeImage = new ArrayList<>();
      int requests = registry.requests().size();
      String attached = target.attachOnceWritten(subject, () -> {
        sbomBeforeImage.add(send(registry, sbomBlob, "*/*").statusCode());
        Skopeo.copy("docker://" + registry.address() + "/built@" + image,
            "docker://" + registry.address() + "/app:a");
        return true;
      }, Attachment.cycloneDx(sbom), access(warnings)).orElseThrow();

      assertEquals(List.of(200), sbomBeforeImage, "the SBOM was up before the image was written");
      assertEquals(image, Skopeo.inspect("docker://" + registry.address() + "/app:a")
          .path("Digest").asText());
      assertEquals(List.of(attached), digests(referrers(registry, image)));
      JsonNode manifest = JSON.readTree(get(registry, "/v2/app/manifests/" + attached,
          OCI_MANIFEST));
      assertEquals(image, manifest.path("subject").path("digest").asText());
      assertEquals(manifestBytes.length, manifest.path("subject").path("size").asLong());
      assertEquals(OCI_MANIFEST, manifest.path("subject").path("mediaType").asText());
      assertArrayEquals(sbom, get(registry, "/v2/app/blobs/"
          + manifest.path("layers").get(0).path("digest").asText(), "*/*"));
      // the image is not read back: relpack was told what it is
      assertTrue(registry.requests().subList(requests, registry.requests().size()).stream()
          .noneMatch(r -> r.method().equals("GET")
              && r.path().equals("/v2/app/manifests/" + image)), registry.requests().toString());
      assertEquals(List.of(), warnings);
    }
  }

  @Test
  void anSbomAttachedInAnOciLayoutIsFoundBySubjectAndTheLayoutStaysValid() throws Exception {
    Path layout = work.resolve("layout");
    String image = build("oci:" + layout + ":0.1.0");
    byte[] indexBefore = Files.readAllBytes(layout.resolve("index.json"));
    LayoutTarget target = new LayoutTarget(layout, List.of("0.1.0"));
    List<String> warnings = new ArrayList<>();
    byte[] sbom = sbom("layout");

    String attached = target.attach(image, Attachment.cycloneDx(sbom), access(warnings))
        .orElseThrow();

    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode before = JSON.readTree(indexBefore);
    assertEquals(before.path("manifests").size() + 1, index.path("manifests").size());
    for (int i = 0; i < before.path("manifests").size(); i++) {
      assertEquals(before.path("manifests").get(i), index.path("manifests").get(i),
          "the image's entries stay");
    }
    JsonNode entry = index.path("manifests").get(index.path("manifests").size() - 1);
    Path manifestBlob = layout.resolve("blobs/sha256").resolve(attached.substring(7));
    assertEquals(attached, entry.path("digest").asText());
    assertEquals(Files.size(manifestBlob), entry.path("size").asLong());
    assertEquals(CYCLONEDX, entry.path("artifactType").asText());
    assertTrue(entry.path("annotations").isMissingNode(), "no ref name: it is no image");

    // as oras looks for referrers in a layout: every manifest index.json lists, by subject
    List<String> found = new ArrayList<>();
    for (JsonNode listed : index.path("manifests")) {
      JsonNode manifest = JSON.readTree(layout.resolve("blobs/sha256")
          .resolve(listed.path("digest").asText().substring(7)).toFile());
      if (image.equals(manifest.path("subject").path("digest").asText())) {
        found.add(listed.path("digest").asText());
        assertArrayEquals(sbom, Files.readAllBytes(layout.resolve("blobs/sha256").resolve(
            manifest.path("layers").get(0).path("digest").asText().substring(7))));
        assertEquals(Files.size(layout.resolve("blobs/sha256").resolve(image.substring(7))),
            manifest.path("subject").path("size").asLong());
        assertEquals("{}", Files.readString(layout.resolve("blobs/sha256").resolve(
            manifest.path("config").path("digest").asText().substring(7))));
      }
    }
    assertEquals(List.of(attached), found);

    // the layout stays valid for skopeo and umoci, and its image is what it was
    assertEquals(image, Skopeo.inspect("oci:" + layout + ":0.1.0").path("Digest").asText());
    assertEquals("0.1.0", Command.run(List.of("umoci", "ls", "--layout", layout.toString()),
        Map.of(), Duration.ofSeconds(60)).requireSuccess().stdout().trim());
    Command.run(List.of("umoci", "stat", "--image", layout + ":0.1.0"), Map.of(),
        Duration.ofSeconds(60)).requireSuccess();

    byte[] indexAfter = Files.readAllBytes(layout.resolve("index.json"));
    assertEquals(attached, target.attach(image, Attachment.cycloneDx(sbom), access(warnings))
        .orElseThrow());
    assertArrayEquals(indexAfter, Files.readAllBytes(layout.resolve("index.json")),
        "attaching the same bytes again adds nothing");
    assertEquals(List.of(), warnings);
  }

  private TargetAccess access(List<String> warnings) throws IOException {
    return TestAccess.registries(Files.createDirectories(work.resolve("locks")), Map.of(),
        work.resolve("home"), warnings);
  }
}
