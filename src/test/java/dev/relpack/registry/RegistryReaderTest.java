package dev.relpack.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.io.Sha256;
import dev.relpack.testsupport.HostileRegistry;
import java.io.InputStream;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import java.nio.file.Files;
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

  @Test
  void readersSharingAMemoReadABasesManifestAndConfigOnceAndOthersReadThemAgain()
      throws Exception {
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
        + "[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    String configDigest = "sha256:" + Sha256.of(config);
    String body = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{"
        + "\"mediaType\":\"" + CONFIG_TYPE + "\",\"digest\":\"" + configDigest + "\",\"size\":"
        + config.length() + "},\"layers\":[]}";
    manifest(OCI_MANIFEST, body);
    registry.stubFor(get(urlEqualTo("/v2/base/os/blobs/" + configDigest))
        .willReturn(aResponse().withStatus(200).withBody(config)));
    RegistryReader.Memo memo = new RegistryReader.Memo();
    RegistryReader ahead = reader.withMemo(memo);
    RegistryReader check = reader.withMemo(memo);

    ahead.image(image(), Optional.empty(), "amd64"); // what reading the base ahead asks
    RegistryReader.Offered offered = check.offered(image(), Optional.empty()); // then the check
    ImageReference pinned = ImageReference.parse(image() + "@" + offered.digest());
    assertEquals(List.of("PATH=/bin"), check.image(pinned, Optional.empty(), "amd64").env());

    registry.verify(1, getRequestedFor(urlPathMatching("/v2/base/os/manifests/.*")));
    registry.verify(1, getRequestedFor(urlEqualTo("/v2/base/os/blobs/" + configDigest)));
    reader.offered(image(), Optional.empty()); // no memo: read again
    registry.verify(2, getRequestedFor(urlPathMatching("/v2/base/os/manifests/.*")));
  }

  @Test
  void aConfigKeptByItsDigestIsReadByTheNextBuildWithoutARequestUnlessItWasChanged(
      @TempDir Path kept) throws Exception {
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
        + "[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    String configDigest = "sha256:" + Sha256.of(config);
    manifest(OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
        + "\"config\":{\"mediaType\":\"" + CONFIG_TYPE + "\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length() + "},\"layers\":[]}");
    String blob = "/v2/base/os/blobs/" + configDigest;
    registry.stubFor(get(urlEqualTo(blob)).willReturn(aResponse().withStatus(200).withBody(config)));

    for (int build = 1; build <= 2; build++) { // each build its own memo, the same directory
      assertEquals(List.of("PATH=/bin"), reader.withMemo(new RegistryReader.Memo(Optional.of(kept)))
          .image(image(), Optional.empty(), "amd64").env());
    }
    registry.verify(1, getRequestedFor(urlEqualTo(blob)));

    // a kept config changed by whoever can write the cache is not believed: fetched again
    Files.writeString(kept.resolve(configDigest.substring(7)), config.replace("/bin", "/evil"));
    assertEquals(List.of("PATH=/bin"), reader.withMemo(new RegistryReader.Memo(Optional.of(kept)))
        .image(image(), Optional.empty(), "amd64").env());
    registry.verify(2, getRequestedFor(urlEqualTo(blob)));

    // nor is a link there, even to the right bytes: it could lead anywhere
    Path elsewhere = Files.writeString(kept.resolve("elsewhere"), config);
    Files.delete(kept.resolve(configDigest.substring(7)));
    Files.createSymbolicLink(kept.resolve(configDigest.substring(7)), elsewhere);
    reader.withMemo(new RegistryReader.Memo(Optional.of(kept))).image(image(), Optional.empty(),
        "amd64");
    registry.verify(3, getRequestedFor(urlEqualTo(blob)));
  }

  private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";

  /** A reader of the hostile registry, with small limits so the tests stay quick. */
  private static RegistryReader hostileReader(Duration timeout) {
    return new RegistryReader(new RegistryAccess(false), r -> RegistryProbe.Transport.HTTP,
        timeout, new ReadLimits(64 * 1024, 128 * 1024, 16 * 1024));
  }

  private static ImageReference on(HostileRegistry hostile, String qualifier) throws Exception {
    return ImageReference.parse(hostile.address() + "/base/os" + qualifier);
  }

  private static String imageManifest(String configDigest) {
    return "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + CONFIG_TYPE + "\",\"digest\":\"" + configDigest + "\",\"size\":10},\"layers\":[]}";
  }

  @Test
  void aManifestDeclaringTwoGibibytesIsRefusedUnread() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) ->
        answer.declared(2L << 30, OCI_MANIFEST, "{"))) {
      dev.relpack.error.RegistryException e = assertThrows(dev.relpack.error.RegistryException.class,
          () -> hostileReader(Duration.ofSeconds(10)).offered(on(hostile, ":1"), Optional.empty()));
      assertEquals("the manifest of " + hostile.address() + "/base/os:1 declares 2147483648 bytes,"
          + " more than relpack accepts (64 KiB); no real image has one that large", e.getMessage());
    }
  }

  @Test
  void anEndlessManifestIsCutAtItsLimit() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) ->
        answer.endless(OCI_MANIFEST, "{\"layers\":[", "{\"digest\":\"sha256:0\"},"))) {
      dev.relpack.error.RegistryException e = assertThrows(dev.relpack.error.RegistryException.class,
          () -> hostileReader(Duration.ofSeconds(10)).read(on(hostile, ":1"), Optional.empty()));
      assertTrue(e.getMessage().startsWith("the manifest of " + hostile.address()
          + "/base/os:1 goes on for more than relpack accepts (64 KiB)"), e.getMessage());
    }
  }

  @Test
  void anEndlessConfigIsCutAndAConfigOfAnotherDigestRefusedNamingTheBlob() throws Exception {
    String digest = "sha256:" + Sha256.of("{}");
    for (boolean endless : new boolean[] {true, false}) {
      try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
        if (request.path().contains("/manifests/")) {
          answer.send(200, OCI_MANIFEST, imageManifest(digest));
        } else if (endless) {
          answer.endless("application/octet-stream", "{\"a\":\"", "aaaa");
        } else {
          answer.send(200, "application/octet-stream", "{\"os\":\"linux\"}");
        }
      })) {
        dev.relpack.error.RegistryException e = assertThrows(
            dev.relpack.error.RegistryException.class,
            () -> hostileReader(Duration.ofSeconds(10)).offered(on(hostile, ":1"), Optional.empty()));
        String blob = "the config blob " + digest + " of " + hostile.address() + "/base/os:1";
        assertTrue(e.getMessage().contains(endless ? blob + " goes on for more than relpack"
            + " accepts (128 KiB)" : blob + " with content whose digest is sha256:"
            + Sha256.of("{\"os\":\"linux\"}")), e.getMessage());
      }
    }
  }

  @Test
  void aManifestAskedForByDigestMustHaveThatDigest() throws Exception {
    String asked = "sha256:" + Sha256.of("something else");
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) ->
        answer.send(200, OCI_MANIFEST, imageManifest(asked)))) {
      dev.relpack.error.RegistryException e = assertThrows(dev.relpack.error.RegistryException.class,
          () -> hostileReader(Duration.ofSeconds(10)).read(on(hostile, "@" + asked),
              Optional.empty()));
      assertTrue(e.getMessage().contains("served the manifest of " + hostile.address()
          + "/base/os@" + asked + " with digest sha256:"), e.getMessage());
    }
  }

  @Test
  void anEndlessTokenAnswerIsCutAtItsLimit() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
      if (request.path().startsWith("/token")) {
        answer.endless("application/json", "{\"token\":\"", "tttt");
      } else {
        answer.send(401, "application/json", "{}", "WWW-Authenticate: Bearer realm=\"http://"
            + request.headers().get("host") + "/token\",service=\"s\"");
      }
    })) {
      dev.relpack.error.RegistryException e = assertThrows(dev.relpack.error.RegistryException.class,
          () -> hostileReader(Duration.ofSeconds(10)).read(on(hostile, ":1"), Optional.empty()));
      assertTrue(e.getMessage().startsWith("the token server's answer for the manifest of "
          + hostile.address() + "/base/os:1 goes on for more than relpack accepts (16 KiB)"),
          e.getMessage());
    }
  }

  @Test
  void aRegistryThatNeverAnswersTimesOutNamingItself() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> answer.stall())) {
      long started = System.nanoTime();
      dev.relpack.error.RegistryException e = assertThrows(dev.relpack.error.RegistryException.class,
          () -> hostileReader(Duration.ofMillis(500)).read(on(hostile, ":1"), Optional.empty()));
      assertTrue(System.nanoTime() - started < 5_000_000_000L);
      assertEquals("registry " + hostile.address() + " did not answer within 500 ms while sending"
          + " the manifest of " + hostile.address() + "/base/os:1; pass {timeout} SECONDS to wait"
          + " longer", e.getMessage());
    }
  }

  @Test
  void basicAuthIsAnsweredWithTheCredentialAndABearerTokenIsFetchedWithIt() throws Exception {
    String manifest = imageManifest("sha256:" + Sha256.of("c"));
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("ci:pw".getBytes());
    registry.stubFor(get(urlEqualTo("/v2/base/os/manifests/1")).withHeader("Authorization", absent())
        .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate",
            "Basic realm=\"test\"")));
    registry.stubFor(get(urlEqualTo("/v2/base/os/manifests/1")).withHeader("Authorization",
        equalTo(basic)).willReturn(aResponse().withStatus(200).withHeader("Content-Type",
            OCI_MANIFEST).withBody(manifest)));
    com.google.cloud.tools.jib.api.Credential credential =
        com.google.cloud.tools.jib.api.Credential.from("ci", "pw");
    assertEquals("sha256:" + Sha256.of(manifest),
        reader.read(image(), Optional.of(credential)).digest());
    assertThrows(dev.relpack.error.RegistryException.class,
        () -> reader.read(image(), Optional.empty()), "no credential: refused");

    registry.resetAll();
    registry.stubFor(get(urlEqualTo("/v2/base/os/manifests/1")).withHeader("Authorization", absent())
        .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate",
            "Bearer realm=\"http://127.0.0.1:" + registry.port() + "/token\",service=\"test\","
                + "scope=\"repository:base/os:pull\"")));
    registry.stubFor(get(urlPathEqualTo("/token")).withHeader("Authorization", equalTo(basic))
        .withQueryParam("scope", equalTo("repository:base/os:pull"))
        .willReturn(aResponse().withStatus(200).withBody("{\"access_token\":\"t1\"}")));
    registry.stubFor(get(urlEqualTo("/v2/base/os/manifests/1")).withHeader("Authorization",
        equalTo("Bearer t1")).willReturn(aResponse().withStatus(200).withHeader("Content-Type",
            OCI_MANIFEST).withBody(manifest)));
    assertEquals("sha256:" + Sha256.of(manifest),
        reader.read(image(), Optional.of(credential)).digest());
  }

  private static final String GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

  /** Reads a blob to its end, counting what it was given. */
  private static long drain(InputStream body, long[] seen) throws java.io.IOException {
    byte[] buffer = new byte[4096];
    for (int n; (n = body.read(buffer)) >= 0; ) {
      seen[0] += n;
    }
    return seen[0];
  }

  @Test
  void aBlobDeclaringMoreThanItsDescriptorIsRefusedUnreadAndOneGoingOnIsCutAtItsSize()
      throws Exception {
    byte[] body = new byte[20];
    String digest = "sha256:" + Sha256.of(body);
    long[] seen = {0};
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) ->
        answer.send(200, "application/octet-stream", body))) {
      dev.relpack.error.RegistryException declared = assertThrows(
          dev.relpack.error.RegistryException.class, () -> hostileReader(Duration.ofSeconds(10))
              .blob(on(hostile, ":1"), Optional.empty(),
                  new RegistryReader.Descriptor(digest, 10, GZIP_LAYER), in -> drain(in, seen)));
      assertEquals("blob " + digest + " of " + on(hostile, ":1") + " declares 20 bytes, more"
          + " than the 10 its descriptor gives", declared.getMessage());
      assertEquals(0, seen[0]);
    }

    try (HostileRegistry hostile = HostileRegistry.start((request, answer) ->
        answer.endless("application/octet-stream", "layer", "layer"))) {
      dev.relpack.error.RegistryException endless = assertThrows(
          dev.relpack.error.RegistryException.class, () -> hostileReader(Duration.ofSeconds(10))
              .blob(on(hostile, ":1"), Optional.empty(),
                  new RegistryReader.Descriptor(digest, 1000, GZIP_LAYER), in -> drain(in, seen)));
      assertEquals("blob " + digest + " of " + on(hostile, ":1") + " goes on past the 1000"
          + " bytes its descriptor gives", endless.getMessage());
      assertTrue(seen[0] <= 1000, "never more than the descriptor's size handed on: " + seen[0]);
    }
  }

  @Test
  void aBlobIsStreamedAndCheckedAgainstItsDigest() throws Exception {
    byte[] body = "layer bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String digest = "sha256:" + Sha256.of(body);
    String other = "sha256:" + Sha256.of("other bytes");
    registry.stubFor(get(urlEqualTo("/v2/base/os/blobs/" + digest))
        .willReturn(aResponse().withStatus(200).withBody(body)));
    registry.stubFor(get(urlEqualTo("/v2/base/os/blobs/" + other))
        .willReturn(aResponse().withStatus(200).withBody(body)));
    assertEquals("layer bytes", reader.blob(image(), Optional.empty(),
        new RegistryReader.Descriptor(digest, body.length, GZIP_LAYER),
        in -> new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
    dev.relpack.error.RegistryException e = assertThrows(dev.relpack.error.RegistryException.class,
        () -> reader.blob(image(), Optional.empty(),
            new RegistryReader.Descriptor(other, body.length, GZIP_LAYER), InputStream::readAllBytes));
    assertEquals("registry " + image().getRegistry() + " served blob " + other + " of " + image()
        + " with content whose digest is " + digest, e.getMessage());
  }

  @Test
  void theCredentialIsNotSentToTheHostABlobIsRedirectedTo() throws Exception {
    byte[] body = "layer bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String digest = "sha256:" + Sha256.of(body);
    WireMockServer storage = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    storage.start();
    try {
      String blob = "/v2/base/os/blobs/" + digest;
      registry.stubFor(get(urlEqualTo(blob)).withHeader("Authorization", absent())
          .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate",
              "Basic realm=\"test\"")));
      registry.stubFor(get(urlEqualTo(blob)).withHeader("Authorization", equalTo("Basic "
          + java.util.Base64.getEncoder().encodeToString("ci:pw".getBytes()))).willReturn(
              aResponse().withStatus(307).withHeader("Location",
                  "http://127.0.0.1:" + storage.port() + "/store/layer?sig=x")));
      storage.stubFor(get(urlPathEqualTo("/store/layer"))
          .willReturn(aResponse().withStatus(200).withBody(body)));
      byte[] read = reader.blob(image(), Optional.of(
          com.google.cloud.tools.jib.api.Credential.from("ci", "pw")),
          new RegistryReader.Descriptor(digest, body.length, GZIP_LAYER), InputStream::readAllBytes);
      assertEquals("layer bytes", new String(read, java.nio.charset.StandardCharsets.UTF_8));
      storage.verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
          urlPathEqualTo("/store/layer")).withoutHeader("Authorization"));
      assertEquals(1, storage.getAllServeEvents().size());
    } finally {
      storage.stop();
    }
  }

  private static String entry(String name, String platform, String extra) {
    return "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"sha256:" + Sha256.of(name)
        + "\",\"size\":2" + (platform == null ? "" : ",\"platform\":" + platform) + extra + "}";
  }
}
