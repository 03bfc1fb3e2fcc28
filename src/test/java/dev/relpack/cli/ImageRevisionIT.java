package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.ThrottlingProxy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build of a changed release into a repository where this user's builds pushed an image of the
 * same shape (base, config, layer names) writes that image again with its own layers instead of
 * running jib: against the real registry, only the changed layer and the config are uploaded,
 * and the image is byte for byte the one a build with no cache and no state makes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageRevisionIT {
  static final String REVISED = "wrote it again with this build's layers";
  /** What jib says, with -v, as it builds. */
  static final String JIB = "Container entrypoint set to";
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path work;
  static RegistryServer registry;
  /** The base's: another registry, so a build with nothing to write again runs jib. */
  static RegistryServer baseRegistry;
  static String from;
  static String image;
  static Path release;
  static Relpack relpack;
  static String revised;

  @BeforeAll
  static void setUp() throws IOException {
    registry = RegistryServer.start(work.resolve("registry"));
    baseRegistry = RegistryServer.start(work.resolve("base-registry"));
    TestBases bases = new TestBases(work.resolve("bases"),
        TestBases.unpackDemo(work.resolve("demo")));
    from = bases.get(TestBases.Name.COMPLETE).pushedTo(baseRegistry);
    // a repository no other test class uses: the image shapes are in the state all runs share
    image = registry.address() + "/revision/demo-" + System.nanoTime();
    release = TestBases.unpackDemo(work.resolve("release"));
    relpack = new Relpack(work.resolve("home"));
  }

  @AfterAll
  static void stop() {
    registry.close();
    baseRegistry.close();
  }

  @Test
  @Order(1)
  void aChangedModuleIsWrittenWithoutJibAndIsTheImageABuildWithNothingKeptMakes()
      throws Exception {
    JsonNode first = build(relpack, image + ":1", "first", "--no-sbom");
    change("one");

    int before = registry.requests().size();
    Path metadata = work.resolve("revised.json");
    Command.Result result = relpack.succeed(args(image + ":2", metadata, "--no-sbom", "-v"));
    assertTrue(result.stderr().contains(REVISED), result.stderr());
    assertFalse(result.stderr().contains(JIB), "jib did not run: " + result.stderr());
    JsonNode second = JSON.readTree(metadata.toFile());
    revised = second.path("digest").asText();

    Set<String> built = new java.util.HashSet<>();
    for (JsonNode layer : second.path("layers")) {
      String name = layer.path("name").asText();
      boolean app = name.equals("app");
      assertEquals(app ? "built" : name.equals("erts") || name.equals("otp")
              || name.equals("deps") || name.equals("release") ? "cached" : "base",
          layer.path("origin").asText(), layer.toString());
      assertEquals(app ? "pushed" : "present", layer.path("delivery").asText(), layer.toString());
      if (app) {
        built.add(layer.path("digest").asText());
      }
    }
    assertEquals(first.path("layers").size(), second.path("layers").size());
    assertEquals(2, second.path("uploadedBlobs").asInt(), "the app layer and the config");
    Set<String> uploaded = blobsUploaded(before);
    assertEquals(2, uploaded.size(), uploaded.toString());
    assertTrue(uploaded.containsAll(built), uploaded + " holds " + built);
    assertTrue(uploaded.contains(second.path("imageId").asText()), uploaded.toString());

    JsonNode fresh = build(new Relpack(work.resolve("fresh-home"))
            .env("XDG_STATE_HOME", work.resolve("fresh-state").toString()),
        image + "-fresh:1", "fresh", "--no-sbom");
    assertEquals(fresh.path("digest").asText(), revised, "byte for byte the image jib builds");
    assertEquals(fresh.path("imageId"), second.path("imageId"));
    assertEquals(revised, Skopeo.inspect("docker://" + image + ":2").path("Digest").asText());
  }

  @Test
  @Order(2)
  void anImageTheRegistryNoLongerHoldsIsBuiltWithJibInstead() throws Exception {
    Path entry = KnownImageIT.entryNaming("image-shapes", revised);
    ObjectNode shape = (ObjectNode) JSON.readTree(entry.toFile());
    String missing = "sha256:" + "0".repeat(64);
    shape.put("digest", missing);
    Files.write(entry, JSON.writeValueAsBytes(shape));
    change("two");

    Path metadata = work.resolve("fallback.json");
    Command.Result result = relpack.succeed(args(image + ":3", metadata, "--no-sbom", "-v"));
    assertTrue(result.stderr().contains("a build of this shape pushed " + missing
        + " before, but it could not be written again"), result.stderr());
    assertTrue(result.stderr().contains(JIB), result.stderr());
    String digest = JSON.readTree(metadata.toFile()).path("digest").asText();
    JsonNode fresh = build(new Relpack(work.resolve("fresh-home-2"))
            .env("XDG_STATE_HOME", work.resolve("fresh-state-2").toString()),
        image + "-fresh:2", "fresh-2", "--no-sbom");
    assertEquals(fresh.path("digest").asText(), digest);
    assertEquals(digest, JSON.readTree(entry.toFile()).path("digest").asText(),
        "the entry names the image the build pushed");
  }

  @Test
  @Order(3)
  void aRegistryThatStallsWhileTheImageIsWrittenEndsTheBuildAtItsTimeoutWithoutJib()
      throws Exception {
    try (ThrottlingProxy proxy = ThrottlingProxy.inFrontOf(registry.address(), 1L << 30)) {
      String through = proxy.address() + "/revision/stalled-" + System.nanoTime();
      relpack.succeed(args(through + ":1", work.resolve("stall-1.json"), "--no-sbom"));
      change("three");
      int before = registry.requests().size();
      // the first thing the revision asks of the target: the previous image's manifest
      proxy.stall("GET /v2/revision/stalled-");

      Command.Result result = relpack.run(args(through + ":2", work.resolve("stall-2.json"),
          "--no-sbom", "--timeout", "5", "-v"));
      assertEquals(4, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("did not answer within 5 s (writing "),
          result.stderr());
      assertFalse(result.stderr().contains("building it"), result.stderr());
      assertFalse(result.stderr().contains(JIB), result.stderr());
      List<RegistryServer.Request> all = registry.requests();
      List<RegistryServer.Request> since = all.subList(before, all.size());
      assertTrue(since.stream().noneMatch(r -> r.path().contains("/revision/stalled-")),
          "nothing asked of the target after the stalled read: " + since);
      assertFalse(Files.exists(work.resolve("stall-2.json")), "no metadata for a failed build");
    }
  }

  /**
   * The SBOM of an image relpack writes itself is made and uploaded while the image's blobs go
   * up, and its manifest put once the image is in: the same referrer, listed as after its image,
   * the same document as the file, and the image is not read back to learn its size and type.
   */
  @Test
  @Order(4)
  void theSbomOfAnImageWrittenWithoutJibIsAttachedWhileTheImageIsWritten() throws Exception {
    build(relpack, image + ":4", "before-sbom", "--no-sbom");
    change("four");
    Path sbom = work.resolve("four.cdx.json");
    Path metadata = work.resolve("four.json");
    int before = registry.requests().size();

    Command.Result result = relpack.succeed(args(image + ":5", metadata, "--sbom",
        sbom.toString(), "-v"));
    List<RegistryServer.Request> since =
        List.copyOf(registry.requests().subList(before, registry.requests().size()));

    JsonNode built = JSON.readTree(metadata.toFile());
    String digest = built.path("digest").asText();
    String referrer = built.path("sbomReferrer").asText();
    assertTrue(result.stderr().contains(REVISED), result.stderr());
    assertTrue(result.stderr().contains("attached the SBOM to " + digest + " as " + referrer
        + " while the image was written"), result.stderr());
    JsonNode listed = Skopeo.manifest("docker://" + image + ":sha256-" + digest.substring(7));
    assertEquals(1, listed.path("manifests").size(), listed.toString());
    assertEquals(referrer, listed.path("manifests").get(0).path("digest").asText());
    JsonNode artifact = Skopeo.manifest("docker://" + image + "@" + referrer);
    assertEquals(digest, artifact.path("subject").path("digest").asText());
    assertEquals(Skopeo.manifest("docker://" + image + "@" + digest).path("mediaType").asText(),
        artifact.path("subject").path("mediaType").asText());
    String sbomDigest = artifact.path("layers").get(0).path("digest").asText();
    assertEquals("sha256:" + dev.relpack.io.Sha256.of(Files.readAllBytes(sbom)), sbomDigest,
        "the attached SBOM is the document --sbom wrote");
    assertTrue(since.stream().noneMatch(r -> r.method().equals("GET")
        && r.path().equals("/v2" + image.substring(registry.address().length())
            + "/manifests/" + digest)), "the image is not read back: " + since);
  }

  /**
   * A registry that stalls while the SBOM is attached beside the image costs the build its
   * timeout once: the image stands, the SBOM is not attached, and it is not tried again.
   */
  @Test
  @Order(5)
  void aRegistryThatStallsTheSbomWrittenBesideTheImageCostsAWarningOnce() throws Exception {
    try (ThrottlingProxy proxy = ThrottlingProxy.inFrontOf(registry.address(), 1L << 30)) {
      String repository = "/revision/sbom-stalled-" + System.nanoTime();
      String through = proxy.address() + repository;
      relpack.succeed(args(through + ":1", work.resolve("sbom-stall-1.json"), "--no-sbom"));
      change("five");
      // the SBOM's first request that only it sends: the referrers list of the new image
      proxy.stall("GET /v2" + repository + "/manifests/sha256-");
      Path metadata = work.resolve("sbom-stall-2.json");

      Command.Result result = relpack.run(args(through + ":2", metadata, "--timeout", "5",
          "-v"));

      assertEquals(0, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains(REVISED), result.stderr());
      // the SBOM's phase is the target's: its registries, the target's and the base's, named
      assertTrue(result.stderr().contains("but did not attach its SBOM: registries "
          + proxy.address() + ", "), result.stderr());
      assertTrue(result.stderr().contains(" did not answer within 5 s (attaching the SBOM to "
          + through + "@"), result.stderr());
      assertFalse(result.stderr().contains("attaching it now"), "not tried again: "
          + result.stderr());
      JsonNode built = JSON.readTree(metadata.toFile());
      assertTrue(built.path("sbomReferrer").isMissingNode() || built.path("sbomReferrer")
          .isNull(), built.toString());
      assertEquals(built.path("digest").asText(), Skopeo.inspect("docker://" + registry.address()
          + repository + ":2").path("Digest").asText(), "the image stands");
    }
  }

  /** A one-module change: a new file in the release's own application. */
  private static void change(String text) throws IOException {
    Path file = release.resolve("lib/demo-0.1.0/priv/revision.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static JsonNode build(Relpack relpack, String to, String name, String... extra)
      throws IOException {
    Path metadata = work.resolve("metadata-" + name + ".json");
    relpack.succeed(args(to, metadata, extra));
    return JSON.readTree(metadata.toFile());
  }

  private static String[] args(String to, Path metadata, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", "--release", release.toString(),
        "--from", from, "--to", to, "--metadata", metadata.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /** The digests of the blobs whose upload finished since request {@code before}. */
  private static Set<String> blobsUploaded(int before) {
    List<RegistryServer.Request> all = registry.requests();
    return all.subList(before, all.size()).stream()
        .filter(r -> r.isBlobUpload() && r.path().contains("digest=") && r.status() == 201)
        .map(r -> r.path().replaceAll(".*digest=(sha256(:|%3A)[0-9a-f]{64}).*", "$1")
            .replace("%3A", ":"))
        .collect(Collectors.toSet());
  }
}
