package dev.relpack.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.ExitCode;
import dev.relpack.error.RegistryException;
import dev.relpack.format.referrers.ArtifactManifest;
import dev.relpack.io.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attaching an artifact to an image, against registry answers the CNCF registry (2.8, no
 * referrers API) does not give: the referrers API's {@code OCI-Subject}, a refused list, an
 * endless list, another client writing over the list.
 */
class ReferrerAttacherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String CYCLONEDX = "application/vnd.cyclonedx+json";
  /** As skopeo pushes one: no mediaType field, only the Content-Type says what it is. */
  private static final String IMAGE = "{\"schemaVersion\":2,\"config\":{\"mediaType\":"
      + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + "c".repeat(64)
      + "\",\"size\":134},\"layers\":[]}";
  private static final String IMAGE_DIGEST = "sha256:" + Sha256.of(IMAGE);
  private static final String TAG = "sha256-" + Sha256.of(IMAGE);
  private static final byte[] SBOM = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\"}"
      .getBytes(StandardCharsets.UTF_8);
  /** The artifact manifest relpack is to write, as the image spec shapes it. */
  private static final ArtifactManifest ARTIFACT = ArtifactManifest.of(CYCLONEDX, CYCLONEDX,
      SBOM, new ArtifactManifest.Descriptor(OCI_MANIFEST, IMAGE_DIGEST, IMAGE.length()));

  private WireMockServer registry;
  private ReferrerAttacher attacher;

  @BeforeEach
  void start() {
    registry = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    registry.start();
    attacher = new RegistryReader(new RegistryAccess(false), r -> RegistryProbe.Transport.HTTP,
        Duration.ofSeconds(10), ReadLimits.DEFAULT).referrers();
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + IMAGE_DIGEST)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_MANIFEST).withBody(IMAGE)));
    registry.stubFor(post(urlPathEqualTo("/v2/app/blobs/uploads/")).willReturn(aResponse()
        .withStatus(202).withHeader("Location", "/v2/app/blobs/uploads/u1?state=x")));
    registry.stubFor(put(urlPathEqualTo("/v2/app/blobs/uploads/u1")).willReturn(aResponse()
        .withStatus(201)));
  }

  @AfterEach
  void stop() {
    registry.stop();
  }

  @Test
  void anArtifactStillThereAndInTheListIsListedInTwoRequests() {
    String ours = ARTIFACT.descriptor().digest();
    manifestThere(ours);
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_INDEX).withBody(entries("sha256:" + "e".repeat(64),
            ours))));

    assertTrue(listed());
    assertEquals(2, registry.findAll(anyRequestedFor(urlPathMatching("/v2/.*"))).size());
  }

  @Test
  void anArtifactListedByTheReferrersApiIsListed() {
    String ours = ARTIFACT.descriptor().digest();
    manifestThere(ours);
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withStatus(404)));
    registry.stubFor(get(urlEqualTo("/v2/app/referrers/" + IMAGE_DIGEST)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_INDEX).withBody(entries(ours))));

    assertTrue(listed());
  }

  @Test
  void anArtifactGoneOrNotListedIsNot() {
    String ours = ARTIFACT.descriptor().digest();
    registry.stubFor(head(urlEqualTo("/v2/app/manifests/" + ours)).willReturn(aResponse()
        .withStatus(404)));
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_INDEX).withBody(entries(ours))));
    assertFalse(listed(), "the list names it, but the manifest is gone");

    manifestThere(ours);
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_INDEX).withBody(entries("sha256:" + "e".repeat(64)))));
    registry.stubFor(get(urlEqualTo("/v2/app/referrers/" + IMAGE_DIGEST)).willReturn(aResponse()
        .withStatus(404)));
    assertFalse(listed(), "there, but listed neither under the tag nor by the API");
  }

  /** The registry holds the manifest {@code digest} (answers its HEAD). */
  private void manifestThere(String digest) {
    registry.stubFor(head(urlEqualTo("/v2/app/manifests/" + digest)).willReturn(aResponse()
        .withHeader("Docker-Content-Digest", digest)));
  }

  private boolean listed() {
    return attacher.listed(ImageReference.of(address(), "app", "1"), Optional.empty(),
        IMAGE_DIGEST, ARTIFACT.descriptor().digest());
  }

  private String address() {
    return "127.0.0.1:" + registry.port();
  }

  private ReferrerAttacher.Attached attach() {
    return attacher.attach(ImageReference.of(address(), "app", "1"), Optional.empty(),
        IMAGE_DIGEST, CYCLONEDX, CYCLONEDX, SBOM);
  }

  private void stubArtifactPut(String ociSubject) {
    var answer = aResponse().withStatus(201).withHeader("Docker-Content-Digest",
        ARTIFACT.descriptor().digest());
    if (ociSubject != null) {
      answer = answer.withHeader("OCI-Subject", ociSubject);
    }
    registry.stubFor(put(urlEqualTo("/v2/app/manifests/" + ARTIFACT.descriptor().digest()))
        .willReturn(answer));
  }

  private List<LoggedRequest> tagRequests() {
    return registry.findAll(anyRequestedFor(urlEqualTo("/v2/app/manifests/" + TAG)));
  }

  private static String entries(String... digests) {
    StringBuilder list = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX
        + "\",\"manifests\":[");
    for (int i = 0; i < digests.length; i++) {
      list.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(OCI_MANIFEST)
          .append("\",\"digest\":\"").append(digests[i]).append("\",\"size\":9,")
          .append("\"artifactType\":\"application/vnd.example\"}");
    }
    return list.append("]}").toString();
  }

  @Test
  void aRegistryWithTheReferrersApiListsTheArtifactItselfAndNoTagIsWritten() throws Exception {
    stubArtifactPut(IMAGE_DIGEST);

    ReferrerAttacher.Attached attached = attach();

    assertEquals(new ReferrerAttacher.Attached(ARTIFACT.descriptor().digest(),
        ReferrerAttacher.Listing.REFERRERS_API), attached);
    // read once, while the blobs went up (a registry without the API is the common case), and
    // never written
    assertEquals(List.of("GET"), tagRequests().stream().map(r -> r.getMethod().value()).toList(),
        "the referrers tag is read ahead, not written");
    LoggedRequest put = registry.findAll(putRequestedFor(
        urlEqualTo("/v2/app/manifests/" + attached.digest()))).get(0);
    assertEquals(OCI_MANIFEST, put.getHeader("Content-Type"));
    JsonNode manifest = JSON.readTree(put.getBody());
    assertEquals(IMAGE_DIGEST, manifest.path("subject").path("digest").asText());
    assertEquals(IMAGE.length(), manifest.path("subject").path("size").asInt(),
        "the size of the manifest as the registry served it");
    assertEquals(OCI_MANIFEST, manifest.path("subject").path("mediaType").asText(),
        "from the Content-Type, the manifest having no mediaType");
    // the empty config and the SBOM were uploaded, each under its own digest
    List<String> uploaded = registry.findAll(putRequestedFor(
        urlPathEqualTo("/v2/app/blobs/uploads/u1"))).stream()
        .map(r -> r.queryParameter("digest").firstValue()).sorted().toList();
    assertEquals(List.of(ArtifactManifest.EMPTY.digest(), "sha256:" + Sha256.of(SBOM)).stream()
        .sorted().toList(), uploaded);
  }

  @Test
  void anOciSubjectNamingAnotherDigestIsNotTakenForTheReferrersApi() {
    stubArtifactPut("sha256:" + "9".repeat(64));
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withStatus(404)));
    registry.stubFor(put(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withStatus(201)));

    // the list read back after the PUT still 404s: relpack tries again, then gives up
    RegistryException e = assertThrows(RegistryException.class, this::attach);

    assertTrue(e.getMessage().contains("another client wrote over the referrers list "
        + address() + "/app:" + TAG), e.getMessage());
    assertEquals(ReferrerAttacher.LIST_ATTEMPTS, registry.findAll(putRequestedFor(
        urlEqualTo("/v2/app/manifests/" + TAG))).size());
  }

  @Test
  void aRegistryRefusingTheListIsARegistryErrorNamingTheRegistryAndTheList() {
    stubArtifactPut(null);
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withStatus(404)));
    registry.stubFor(put(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withStatus(400).withBody("{\"errors\":[{\"code\":\"TAG_INVALID\"}]}")));

    RegistryException e = assertThrows(RegistryException.class, this::attach);

    assertEquals("registry " + address() + " answered HTTP 400 to the referrers list "
        + address() + "/app:" + TAG, e.getMessage());
    assertEquals(ExitCode.REGISTRY, e.exitCode());
  }

  @Test
  void anOversizedListIsReadNoFurtherThanTheLimitAndNothingIsWrittenOverIt() {
    stubArtifactPut(null);
    byte[] huge = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(huge, (byte) ' ');
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_INDEX).withBody(huge)));

    RegistryException e = assertThrows(RegistryException.class, this::attach);

    // WireMock sends it chunked, without a length: the read is cut once past the limit
    assertEquals("the referrers list " + address() + "/app:" + TAG + " goes on for more than"
        + " relpack accepts (4 MiB); no real image has one that large", e.getMessage());
    assertEquals(0, registry.findAll(putRequestedFor(urlEqualTo("/v2/app/manifests/" + TAG)))
        .size());
  }

  @Test
  void somethingOtherThanAnIndexUnderTheTagIsLeftAlone() {
    stubArtifactPut(null);
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).willReturn(aResponse()
        .withHeader("Content-Type", OCI_MANIFEST).withBody(IMAGE.replace("{\"schemaVersion\":2",
            "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\""))));

    RegistryException e = assertThrows(RegistryException.class, this::attach);

    assertEquals("registry " + address() + " holds a " + OCI_MANIFEST + " as the referrers list "
        + address() + "/app:" + TAG + ", not an image index; relpack leaves it as it is, and the"
        + " artifact " + ARTIFACT.descriptor().digest() + " is in the repository but not listed",
        e.getMessage());
    assertEquals(0, registry.findAll(putRequestedFor(urlEqualTo("/v2/app/manifests/" + TAG)))
        .size());
  }

  @Test
  void anotherClientWritingOverTheListIsNoticedAndItsEntryAndOursBothEndUpListed()
      throws Exception {
    stubArtifactPut(null);
    String theirs = "sha256:" + "1".repeat(64);
    String another = "sha256:" + "2".repeat(64);
    String ours = ARTIFACT.descriptor().digest();
    String scenario = "two writers";
    // relpack reads [theirs]; before its PUT lands, or right after, another client writes
    // [theirs, another], made from the list it read before relpack's entry was in
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).inScenario(scenario)
        .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
        .willReturn(aResponse().withHeader("Content-Type", OCI_INDEX).withBody(entries(theirs))));
    registry.stubFor(put(urlEqualTo("/v2/app/manifests/" + TAG)).inScenario(scenario)
        .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
        .willSetStateTo("overwritten").willReturn(aResponse().withStatus(201)));
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).inScenario(scenario)
        .whenScenarioStateIs("overwritten").willReturn(aResponse()
            .withHeader("Content-Type", OCI_INDEX).withBody(entries(theirs, another))));
    registry.stubFor(put(urlEqualTo("/v2/app/manifests/" + TAG)).inScenario(scenario)
        .whenScenarioStateIs("overwritten").willSetStateTo("settled")
        .willReturn(aResponse().withStatus(201)));
    registry.stubFor(get(urlEqualTo("/v2/app/manifests/" + TAG)).inScenario(scenario)
        .whenScenarioStateIs("settled").willReturn(aResponse()
            .withHeader("Content-Type", OCI_INDEX).withBody(entries(theirs, another, ours))));

    ReferrerAttacher.Attached attached = attach();

    assertEquals(ReferrerAttacher.Listing.REFERRERS_TAG, attached.listing());
    List<LoggedRequest> puts = registry.findAll(putRequestedFor(
        urlEqualTo("/v2/app/manifests/" + TAG)));
    assertEquals(2, puts.size());
    List<String> second = new java.util.ArrayList<>();
    JSON.readTree(puts.get(1).getBody()).path("manifests")
        .forEach(m -> second.add(m.path("digest").asText()));
    assertEquals(List.of(theirs, another, ours), second,
        "the second write keeps the other client's entry and adds ours after it");
  }
}
