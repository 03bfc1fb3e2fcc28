package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build whose inputs (release, base, options, repository) gave an image before, in this user's
 * private state, gives that image the target's tags instead of building it: against the real
 * registry, the image is the same, nothing is uploaded and no manifest is written where the tag
 * names it already; an image the registry no longer holds is built again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KnownImageIT {
  static final String TAGGED = "tagged it, nothing built";
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path work;
  static RegistryServer registry;
  static String from;
  static String image;
  static Relpack relpack;
  static String digest;

  @BeforeAll
  static void setUp() throws IOException {
    registry = RegistryServer.start(work.resolve("registry"));
    TestBases bases = new TestBases(work.resolve("bases"),
        TestBases.unpackDemo(work.resolve("demo")));
    from = bases.get(TestBases.Name.COMPLETE).pushedTo(registry);
    // a repository no other test class uses: the known images are in the state all runs share
    image = registry.address() + "/known/demo-" + System.nanoTime();
    relpack = new Relpack(work.resolve("home"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  @Order(1)
  void anUnchangedReleaseIsTaggedWithoutBuildingUploadingOrWritingAManifest() throws Exception {
    JsonNode first = build("1", "--no-sbom");
    digest = first.path("digest").asText();
    assertTrue(first.path("uploadedBlobs").asInt() > 0, first.toString());

    int before = registry.requests().size();
    Path metadata = work.resolve("again.json");
    Command.Result again = relpack.succeed(args("1", metadata, "--no-sbom", "-v"));
    JsonNode second = JSON.readTree(metadata.toFile());
    assertEquals(digest, second.path("digest").asText());
    assertEquals(first.path("imageId"), second.path("imageId"));
    assertTrue(again.stderr().contains(TAGGED), again.stderr());
    assertEquals(0, second.path("uploadedBlobs").asInt());
    assertEquals(0, second.path("uploadedBytes").asLong());
    for (JsonNode layer : second.path("layers")) {
      assertEquals("present", layer.path("delivery").asText(), layer.toString());
    }
    assertEquals(first.path("layers").size(), second.path("layers").size());
    List<RegistryServer.Request> since = since(before);
    assertTrue(since.stream().noneMatch(r -> r.method().equals("PUT")
        || r.method().equals("POST") || r.method().equals("PATCH")), since.toString());
    assertTrue(since.stream().anyMatch(r -> r.method().equals("HEAD")
        && r.path().endsWith("/manifests/1")), since.toString());
    assertEquals(digest, Skopeo.inspect("docker://" + image + ":1").path("Digest").asText());
  }

  @Test
  @Order(2)
  void aNewTagIsGivenToTheKnownImageWithoutUploadingABlob() throws Exception {
    int before = registry.requests().size();
    Path metadata = work.resolve("tag-2.json");
    Command.Result result = relpack.succeed(args("2", metadata, "--no-sbom", "-v",
        "-t", "also"));
    assertTrue(result.stderr().contains(TAGGED), result.stderr());
    assertEquals(digest, JSON.readTree(metadata.toFile()).path("digest").asText());
    List<RegistryServer.Request> since = since(before);
    assertTrue(since.stream().noneMatch(RegistryServer.Request::isBlobUpload), since.toString());
    for (String tag : List.of("2", "also")) {
      assertTrue(since.stream().anyMatch(r -> r.method().equals("PUT")
          && r.path().endsWith("/manifests/" + tag)), since.toString());
      assertEquals(digest, Skopeo.inspect("docker://" + image + ":" + tag).path("Digest")
          .asText());
    }
  }

  @Test
  @Order(3)
  void aKnownImageTheRegistryDoesNotHoldIsBuiltAgainAndKeptAnew() throws Exception {
    Path entry = entryNaming(digest);
    ObjectNode known = (ObjectNode) JSON.readTree(entry.toFile());
    String missing = "sha256:" + "0".repeat(64);
    known.put("digest", missing);
    Files.write(entry, JSON.writeValueAsBytes(known));

    Path metadata = work.resolve("rebuilt.json");
    Command.Result result = relpack.succeed(args("3", metadata, "--no-sbom", "-v"));
    assertTrue(result.stderr().contains("a build of these inputs pushed " + missing
        + " before, but it could not be tagged"), result.stderr());
    assertFalse(result.stderr().contains(TAGGED), result.stderr());
    assertEquals(digest, JSON.readTree(metadata.toFile()).path("digest").asText());
    assertEquals(digest, JSON.readTree(entry.toFile()).path("digest").asText(),
        "the entry names the image the build pushed");
  }

  @Test
  @Order(4)
  void anEntryOthersCouldHaveWrittenIsNotTaken() throws Exception {
    Path entry = entryNaming(digest);
    Files.setPosixFilePermissions(entry,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    Command.Result result = relpack.succeed(args("4", work.resolve("shared.json"), "--no-sbom",
        "-v"));
    assertFalse(result.stderr().contains("a build of these inputs pushed"), result.stderr());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(entry)), "kept anew, this user's alone");
  }

  @Test
  @Order(5)
  void anotherLabelIsAnotherImageAndIsBuilt() throws Exception {
    Path metadata = work.resolve("labelled.json");
    Command.Result result = relpack.succeed(args("5", metadata, "--no-sbom", "-v",
        "-l", "team=payments"));
    assertFalse(result.stderr().contains("a build of these inputs pushed"), result.stderr());
    assertNotEquals(digest, JSON.readTree(metadata.toFile()).path("digest").asText());
  }

  @Test
  @Order(6)
  void theKnownImageGetsTheSameSbomAsABuiltOne() throws Exception {
    // a label of its own, so that the first build is built, not tagged
    JsonNode built = build("sbom-1", "-l", "sbom=cyclonedx");
    String referrer = built.path("sbomReferrer").asText();
    assertTrue(referrer.startsWith("sha256:"), built.toString());
    Path metadata = work.resolve("sbom-again.json");
    Command.Result result = relpack.succeed(args("sbom-1", metadata, "-v",
        "-l", "sbom=cyclonedx"));
    assertTrue(result.stderr().contains(TAGGED), result.stderr());
    JsonNode again = JSON.readTree(metadata.toFile());
    assertEquals(built.path("digest"), again.path("digest"));
    assertEquals(referrer, again.path("sbomReferrer").asText());
  }

  @Test
  @Order(7)
  void aRegistryThatStallsOnTheTagEndsTheBuildAtItsTimeoutWithoutBuilding() throws Exception {
    try (ThrottlingProxy proxy = ThrottlingProxy.inFrontOf(registry.address(), 1L << 30)) {
      String through = proxy.address() + "/known/stalled-" + System.nanoTime();
      List<String> args = List.of("build", "--release", Testdata.demoTarball().toString(),
          "--from", from, "--to", through + ":1", "--no-sbom");
      relpack.succeed(args.toArray(String[]::new));
      int before = registry.requests().size();
      proxy.stall("HEAD /v2/known/stalled-");

      List<String> again = new ArrayList<>(args);
      again.addAll(List.of("--timeout", "5", "-v"));
      Command.Result result = relpack.run(again.toArray(String[]::new));
      assertEquals(4, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("did not answer within 5 s (tagging "),
          result.stderr());
      assertFalse(result.stderr().contains("building it"), result.stderr());
      List<RegistryServer.Request> since = since(before);
      assertTrue(since.stream().noneMatch(r -> r.path().contains("/known/stalled-")),
          "nothing asked of the target after the stalled tag: " + since);
    }
  }

  private static JsonNode build(String tag, String... extra) throws IOException {
    Path metadata = work.resolve("metadata-" + tag + ".json");
    relpack.succeed(args(tag, metadata, extra));
    return JSON.readTree(metadata.toFile());
  }

  private static String[] args(String tag, Path metadata, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--from", from, "--to", image + ":" + tag,
        "--metadata", metadata.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private static List<RegistryServer.Request> since(int before) {
    List<RegistryServer.Request> all = registry.requests();
    return all.subList(before, all.size());
  }

  /** The entry of this user's known images that names {@code digest}. */
  private static Path entryNaming(String digest) throws IOException {
    return entryNaming("images", digest);
  }

  /** The entry in {@code dir} of this user's state that names {@code digest}. */
  static Path entryNaming(String dir, String digest) throws IOException {
    try (Stream<Path> files = Files.list(Relpack.STATE.resolve("relpack").resolve(dir))) {
      List<Path> naming = new ArrayList<>();
      for (Path file : files.toList()) {
        if (JSON.readTree(file.toFile()).path("digest").asText().equals(digest)) {
          naming.add(file);
        }
      }
      assertEquals(1, naming.size(), naming.toString());
      return naming.get(0);
    }
  }
}
