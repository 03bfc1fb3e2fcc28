package dev.relpack.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.io.Sha256;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Registry answers the real registry of the tests does not give on demand. */
class RegistryReaderTest {
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private WireMockServer registry;
  private RegistryReader reader;

  @BeforeEach
  void start() {
    registry = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    registry.start();
    reader = new RegistryReader(new RegistryAccess(false), r -> RegistryProbe.Transport.HTTP,
        Duration.ofSeconds(10), ReadLimits.DEFAULT);
  }

  @AfterEach
  void stop() {
    registry.stop();
  }

  private ImageReference image() throws Exception {
    return ImageReference.parse("127.0.0.1:" + registry.port() + "/base/os:1");
  }

  private void manifest(String mediaType, String body) {
    registry.stubFor(get(urlEqualTo("/v2/base/os/manifests/1")).willReturn(aResponse()
        .withStatus(200).withHeader("Content-Type", mediaType).withBody(body)));
  }

  @Test
  void anIndexOffersThePlatformsOfItsEntriesAttestationsIncludedEntriesWithoutOneLeftOut()
      throws Exception {
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
        + entry("a", "{\"architecture\":\"arm64\",\"os\":\"linux\"}", "")
        + "," + entry("b", "{\"architecture\":\"unknown\",\"os\":\"unknown\"}",
            ",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}")
        + "," + entry("c", null, "") + "]}";
    manifest(OCI_INDEX, index);
    RegistryReader.Offered offered = reader.offered(image(), Optional.empty());
    assertTrue(offered.index());
    assertEquals(List.of(new Platform("arm64", "linux"), new Platform("unknown", "unknown")),
        offered.platforms());
    assertEquals("sha256:" + Sha256.of(index), offered.digest());
  }

  @Test
  void anImagesPlatformComesFromItsConfigEvenWhenOnlyTheConfigNeedsAToken() throws Exception {
    String config = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
        + "\"diff_ids\":[]}}";
    String digest = "sha256:" + Sha256.of(config);
    manifest(OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + digest + "\",\"size\":" + config.length() + "},\"layers\":[]}");
    String blob = "/v2/base/os/blobs/" + digest;
    registry.stubFor(get(urlEqualTo(blob)).withHeader("Authorization", absent())
        .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate",
            "Bearer realm=\"http://127.0.0.1:" + registry.port() + "/token\",service=\"test\","
                + "scope=\"repository:base/os:pull\"")));
    registry.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{\"token\":\"pull-token\"}")));
    registry.stubFor(get(urlEqualTo(blob)).withHeader("Authorization", equalTo("Bearer pull-token"))
        .willReturn(aResponse().withStatus(200).withBody(config)));
    RegistryReader.Offered offered = reader.offered(image(), Optional.empty());
    assertFalse(offered.index());
    assertEquals(List.of(new Platform("arm64", "linux")), offered.platforms());
  }

  private static String entry(String name, String platform, String extra) {
    return "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"sha256:" + Sha256.of(name)
        + "\",\"size\":2" + (platform == null ? "" : ",\"platform\":" + platform) + extra + "}";
  }
}
