package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cache-from} on the real registry: a build with an empty cache takes the layers an
 * earlier image has (same content, made by this relpack) instead of compressing them, and the
 * image is byte for byte the one a build that compressed everything makes. Earlier images that
 * differ (another base, another layer order, a missing blob, another tool, a blob that is not
 * what the config says) are taken from only as far as they can be, and the digest stays the same.
 */
class LayerReuseIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final List<String> RELPACK_LAYERS =
      List.of("host", "erts", "otp", "deps", "app", "release");

  @TempDir static Path work;
  static RegistryServer registry;
  static String repository;
  /** The digest of the demo built with every layer compressed. */
  static String full;
  static int builds;

  @BeforeAll
  static void buildPrevious() {
    registry = RegistryServer.start(work.resolve("registry"));
    repository = registry.address() + "/group/demo";
    full = digest(build(List.of("--to", repository + ":prev")));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void layersTakenFromThePreviousImageGiveTheDigestOfAFullBuild() throws IOException {
    int before = registry.requests().size();
    Path metadata = work.resolve("taken.json");
    Path cache = newCache();
    Command.Result result = build(cache, List.of("--to", repository + ":next",
        "--cache-from", repository + ":prev", "--metadata", metadata.toString()));

    assertEquals(full, digest(result));
    assertEquals(List.of(), staged(cache), "the tars and blobs staged while taking layers");
    JsonNode written = JSON.readTree(metadata.toFile());
    assertEquals(origins("reused"), origins(written));
    List<RegistryServer.Request> requests =
        registry.requests().subList(before, registry.requests().size());
    // the configs (jib's, then relpack's) are the only blobs uploaded: no layer
    assertTrue(written.path("uploadedBytes").asLong() < 10_000, written.toString());
    assertTrue(requests.stream().filter(RegistryServer.Request::isBlobUpload).count() <= 4,
        requests.toString());
    assertTrue(output(result).contains("Took host, erts, otp, deps, app, release from "
        + repository + ":prev"), output(result));
  }

  @Test
  void aChangedReleaseTakesWhatIsUnchangedAndCompressesTheRest() throws IOException {
    Path release = work.resolve("changed");
    Files.createDirectories(release);
    Command.run(List.of("tar", "xzf", Testdata.demoTarball().toString(), "-C", release.toString()),
        Map.of(), Duration.ofSeconds(60)).requireSuccess();
    Path app = release.resolve("lib/demo-0.1.0/priv");
    Files.createDirectories(app);
    Files.writeString(app.resolve("changed.txt"), "one module changed\n");
    String compressed = digest(build(List.of("--release", release.toString(),
        "--to", repository + ":changed-full")));

    Path metadata = work.resolve("changed.json");
    String taken = digest(build(List.of("--release", release.toString(),
        "--to", repository + ":changed", "--cache-from", repository + ":prev",
        "--metadata", metadata.toString())));

    assertEquals(compressed, taken);
    Map<String, String> expected = origins("reused");
    expected.put("app", "built");
    assertEquals(expected, origins(JSON.readTree(metadata.toFile())));
  }

  @Test
  void anImageOnAnotherBaseGivesTheLayersOfTheRelease() throws IOException {
    scratchImage();
    Path metadata = work.resolve("scratch.json");
    String digest = digest(build(List.of("--to", repository + ":from-scratch",
        "--cache-from", repository + ":scratch", "--metadata", metadata.toString())));

    assertEquals(full, digest);
    Map<String, String> expected = origins("reused");
    expected.put("host", "built"); // the scratch image has no host layer
    assertEquals(expected, origins(JSON.readTree(metadata.toFile())));
  }

  @Test
  void anImageWithItsLayersInAnotherOrderStillGivesThem() throws Exception {
    rewrite("prev", "reordered", (manifest, config) -> {
      reverse((ArrayNode) manifest.path("layers"));
      reverse((ArrayNode) config.path("rootfs").path("diff_ids"));
      reverse((ArrayNode) config.path("history"));
    });
    Path metadata = work.resolve("reordered.json");
    String digest = digest(build(List.of("--to", repository + ":from-reordered",
        "--cache-from", repository + ":reordered", "--metadata", metadata.toString())));

    assertEquals(full, digest);
    assertEquals(origins("reused"), origins(JSON.readTree(metadata.toFile())));
  }

  @Test
  void layersOfAnotherToolAreCompressedHereAndVerboseSaysWhy() throws Exception {
    rewrite("prev", "other-tool", (manifest, config) -> config.path("history").forEach(
        entry -> ((ObjectNode) entry).put("created_by", "buildah").remove("author")));
    Path metadata = work.resolve("other-tool.json");
    Command.Result result = build(List.of("--to", repository + ":from-other-tool", "-v",
        "--cache-from", repository + ":other-tool", "--metadata", metadata.toString()));

    assertEquals(full, digest(result));
    assertEquals(origins("built"), origins(JSON.readTree(metadata.toFile())));
    assertTrue(output(result).contains("layer erts is in " + repository + ":other-tool, but it"
        + " was made by buildah, not relpack:"), output(result));
  }

  @Test
  void anImageWhoseManifestAloneIsNotThisBuildsIsNotWrittenAgainButBuiltFromItsLayers()
      throws Exception {
    // a note added to the manifest, as a mirror or a signing tool may add one; the config as it
    // was, so only the manifest written from it would differ from what jib pushes
    rewrite("prev", "annotated", (manifest, config) ->
        manifest.putObject("annotations").put("org.example.copied-by", "a mirror"));
    assertEquals(configDigest("prev"), configDigest("annotated"));
    Path metadata = work.resolve("annotated.json");
    Command.Result result = build(List.of("--to", repository + ":from-annotated", "-v",
        "--cache-from", repository + ":annotated", "--metadata", metadata.toString()));

    assertEquals(full, digest(result));
    assertEquals(origins("reused"), origins(JSON.readTree(metadata.toFile())));
    assertTrue(Pattern.compile(Pattern.quote(repository + ":annotated@sha256:") + "[0-9a-f]{64} "
        + Pattern.quote(PredictedImageIT.NOT_THIS_IMAGE)).matcher(output(result)).find(),
        output(result));
  }

  @Test
  void aBlobThatIsNotWhatTheConfigSaysIsNotTaken() throws Exception {
    // erts's and otp's blobs swapped in the manifest, the config left as it was
    rewrite("prev", "swapped", (manifest, config) -> {
      ArrayNode layers = (ArrayNode) manifest.path("layers");
      JsonNode erts = layers.get(2);
      layers.set(2, layers.get(3));
      layers.set(3, erts);
    });
    Taking taking = takeFrom("swapped");

    assertEquals(full, digest(taking.result()));
    assertEquals(List.of(), taking.staged(), "the blobs staged for layers refused");
    Map<String, String> expected = origins("reused");
    expected.put("erts", "built");
    expected.put("otp", "built");
    assertEquals(expected, origins(taking.metadata()));
    assertTrue(output(taking.result()).contains("holds other content from byte"),
        output(taking.result()));
  }

  @Test
  void layersNamedOtherwiseAreStillTakenByTheirContent() throws Exception {
    // erts's and otp's names swapped in their history entries: a layer is taken by its content
    // (its diff ID), never by the name or place the earlier image gives it
    rewrite("prev", "renamed", (manifest, config) -> {
      ArrayNode history = (ArrayNode) config.path("history");
      List<ObjectNode> named = new ArrayList<>();
      history.forEach(entry -> {
        String comment = entry.path("comment").asText();
        if (comment.equals("erts") || comment.equals("otp")) {
          named.add((ObjectNode) entry);
        }
      });
      assertEquals(2, named.size(), history.toString());
      named.get(0).put("comment", "otp");
      named.get(1).put("comment", "erts");
    });
    Taking taking = takeFrom("renamed");

    assertEquals(full, digest(taking.result()));
    assertEquals(List.of(), taking.staged(), "nothing left staged");
    assertEquals(origins("reused"), origins(taking.metadata()));
  }

  @Test
  void aMissingBlobIsCompressedHere() throws Exception {
    String other = registry.address() + "/other/demo";
    Command.run(List.of("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        "docker://" + repository + ":prev", "docker://" + other + ":prev"), Map.of(),
        Duration.ofSeconds(60)).requireSuccess();
    JsonNode manifest = JSON.readTree(get("other/demo", "manifests/prev", OCI_MANIFEST).body());
    String erts = manifest.path("layers").get(2).path("digest").asText();
    HttpResponse<byte[]> deleted = send(HttpRequest.newBuilder(
        url("other/demo", "blobs/" + erts)).DELETE().build());
    assertEquals(202, deleted.statusCode(), new String(deleted.body()));
    Path metadata = work.resolve("missing.json");

    Command.Result result = build(List.of("--to", other + ":next", "-v",
        "--cache-from", other + ":prev", "--metadata", metadata.toString()));

    assertEquals(full, digest(result));
    Map<String, String> expected = origins("reused");
    expected.put("erts", "built");
    assertEquals(expected, origins(JSON.readTree(metadata.toFile())));
    assertTrue(output(result).contains("its blob " + erts + " cannot be fetched"),
        output(result));
  }

  @Test
  void anImageThatDoesNotExistIsAWarningAndTheBuildGoesOn() throws IOException {
    Path metadata = work.resolve("absent.json");
    Command.Result result = build(List.of("--to", repository + ":from-absent",
        "--cache-from", repository + ":no-such-tag", "--metadata", metadata.toString()));

    assertEquals(full, digest(result));
    assertEquals(origins("built"), origins(JSON.readTree(metadata.toFile())));
    assertTrue(result.stderr().contains("--cache-from " + repository + ":no-such-tag: image "
        + repository + ":no-such-tag not found in its registry; its layers are not reused"),
        result.stderr());
  }

  @Test
  void theFirstImageThatExistsIsTheOneTakenFrom() throws IOException {
    scratchImage();
    Path metadata = work.resolve("first.json");
    Command.Result result = build(List.of("--to", repository + ":from-first", "-q",
        "--cache-from", repository + ":absent", "--cache-from", repository + ":scratch",
        "--cache-from", repository + ":prev", "--metadata", metadata.toString()));

    assertEquals(full, digest(result));
    // :scratch exists, so :prev (which has the host layer too) is never read
    Map<String, String> expected = origins("reused");
    expected.put("host", "built");
    assertEquals(expected, origins(JSON.readTree(metadata.toFile())));
  }

  @Test
  void aWarmCacheReadsNoEarlierImage() {
    Path cache = newCache();
    List<String> args = List.of("build", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", cache.toString(), "--to", repository + ":warm");
    relpack().run(args).requireSuccess();
    int before = registry.requests().size();
    List<String> again = new ArrayList<>(args);
    again.addAll(List.of("--cache-from", repository + ":prev"));

    relpack().run(again).requireSuccess();

    List<RegistryServer.Request> requests =
        registry.requests().subList(before, registry.requests().size());
    assertTrue(requests.stream().noneMatch(r -> r.path().endsWith("/manifests/prev")),
        requests.toString());
  }

  @Test
  void aGitlabJobTakesLayersFromItsDefaultBranchWithoutBeingTold() throws IOException {
    String project = registry.address() + "/lab/demo";
    Command.run(List.of("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        "docker://" + repository + ":prev", "docker://" + project + ":main"), Map.of(),
        Duration.ofSeconds(60)).requireSuccess();
    Path metadata = work.resolve("gitlab.json");
    Relpack relpack = relpack().env("GITLAB_CI", "true").env("CI_REGISTRY_IMAGE", project)
        .env("CI_COMMIT_BRANCH", "feature/x").env("CI_COMMIT_REF_SLUG", "feature-x")
        .env("CI_DEFAULT_BRANCH", "main").env("CI_COMMIT_SHORT_SHA", "abc1234");

    Command.Result result = relpack.succeed("build", "--release",
        Testdata.demoTarball().toString(), "--cache-dir", newCache().toString(),
        "--metadata", metadata.toString());

    assertEquals(origins("reused"), origins(JSON.readTree(metadata.toFile())));
    assertTrue(output(result).contains("from " + project + ":main"), output(result));
    // the image's tags; the referrers tag that lists its SBOM (sha256-HEX) is no image tag
    assertEquals(List.of("0.1.0", "abc1234", "feature-x", "main"),
        registry.imageTags("lab/demo").stream().sorted().toList());
  }

  @Test
  void whatCannotBeTakenFromIsRefusedBeforeAnyWork() {
    for (List<String> args : List.of(
        List.of("--cache-from", "oci:" + work.resolve("layout")),
        List.of("--cache-from", "Not An Image"),
        List.of("--cache-from", repository + ":prev", "--no-cache-from"))) {
      List<String> command = new ArrayList<>(List.of("build", "--release",
          Testdata.demoTarball().toString(), "--to", repository + ":refused"));
      command.addAll(args);
      Command.Result result = relpack().run(command);
      assertEquals(2, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("--cache-from"), result.stderr());
      assertEquals(1, result.stderr().strip().lines().count(), result.stderr());
    }
    assertTrue(registry.tags("group/demo").stream().noneMatch(t -> t.equals("refused")));
  }

  // ---------------------------------------------------------------------------------------------

  /** The demo on no base (without the host layer), pushed as :scratch once. */
  private static synchronized void scratchImage() {
    if (!registry.tags("group/demo").contains("scratch")) {
      build(List.of("--from", "scratch", "--no-check", "--to", repository + ":scratch"));
    }
  }

  /** A verbose build that takes layers from {@code tag}, its cache's leftovers and metadata. */
  private record Taking(Command.Result result, List<String> staged, JsonNode metadata) {}

  /** Builds the demo with -v into a cache of its own, taking layers from {@code tag}. */
  private static Taking takeFrom(String tag) throws IOException {
    Path metadata = work.resolve(tag + ".json");
    Path cache = newCache();
    Command.Result result = build(cache, List.of("--to", repository + ":from-" + tag, "-v",
        "--cache-from", repository + ":" + tag, "--metadata", metadata.toString()));
    return new Taking(result, staged(cache), JSON.readTree(metadata.toFile()));
  }

  /** A build of the demo with a cache of its own, empty: as a CI job with no cache starts. */
  private static Command.Result build(List<String> args) {
    return build(newCache(), args);
  }

  private static Command.Result build(Path cache, List<String> args) {
    List<String> command = new ArrayList<>(List.of("build", "--cache-dir", cache.toString()));
    if (!args.contains("--release")) {
      command.addAll(List.of("--release", Testdata.demoTarball().toString()));
    }
    command.addAll(args);
    return relpack().run(command).requireSuccess();
  }

  /** What a job log shows: steps and -v details go to stderr, the summary to stdout. */
  private static String output(Command.Result result) {
    return result.stdout() + result.stderr();
  }

  private static Relpack relpack() {
    return new Relpack(work.resolve("home"));
  }

  /** What is left in the staging directory of jib's layers in a cache (which must have one). */
  private static List<String> staged(Path cache) throws IOException {
    Path tmp;
    try (var paths = Files.walk(cache)) {
      tmp = paths.filter(p -> p.endsWith("jib/application-level1/tmp")).findFirst()
          .orElseThrow(() -> new AssertionError("no jib/application-level1/tmp in " + cache));
    }
    try (var entries = Files.list(tmp)) {
      return entries.map(e -> e.getFileName().toString()).sorted().toList();
    }
  }

  private static synchronized Path newCache() {
    return work.resolve("cache-" + ++builds);
  }

  private static String digest(Command.Result result) {
    String out = result.stdout();
    int at = out.indexOf("@sha256:");
    assertTrue(at > 0, out);
    return out.substring(at + 1, at + 1 + 71);
  }

  /** relpack's layers, each with its origin. */
  private static Map<String, String> origins(String origin) {
    Map<String, String> origins = new LinkedHashMap<>();
    RELPACK_LAYERS.forEach(name -> origins.put(name, origin));
    return origins;
  }

  private static Map<String, String> origins(JsonNode metadata) {
    Map<String, String> origins = new LinkedHashMap<>();
    metadata.path("layers").forEach(layer -> {
      if (!layer.path("origin").asText().equals("base")) {
        origins.put(layer.path("name").asText(), layer.path("origin").asText());
      }
    });
    return origins;
  }

  private static void reverse(ArrayNode array) {
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    array.removeAll();
    for (int i = items.size() - 1; i >= 0; i--) {
      array.add(items.get(i));
    }
  }

  /** An image made from tag {@code from} by editing its manifest and config, pushed as {@code to}. */
  private static void rewrite(String from, String to, EditImage edit) throws Exception {
    String name = "group/demo";
    ObjectNode manifest = (ObjectNode) JSON.readTree(get(name, "manifests/" + from, OCI_MANIFEST).body());
    ObjectNode config = (ObjectNode) JSON.readTree(
        get(name, "blobs/" + manifest.path("config").path("digest").asText(), "*/*").body());
    edit.apply(manifest, config);
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = "sha256:" + sha256(configBytes);
    HttpResponse<byte[]> started = send(HttpRequest.newBuilder(url(name, "blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(202, started.statusCode());
    String location = started.headers().firstValue("Location").orElseThrow();
    URI upload = URI.create("http://" + registry.address()).resolve(location);
    String separator = upload.toString().contains("?") ? "&" : "?";
    HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(upload + separator
        + "digest=" + configDigest)).PUT(HttpRequest.BodyPublishers.ofByteArray(configBytes))
        .header("Content-Type", "application/octet-stream").build());
    assertEquals(201, put.statusCode(), new String(put.body()));
    ObjectNode configDescriptor = (ObjectNode) manifest.path("config");
    configDescriptor.put("digest", configDigest).put("size", configBytes.length);
    HttpResponse<byte[]> pushed = send(HttpRequest.newBuilder(url(name, "manifests/" + to))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(manifest)))
        .header("Content-Type", OCI_MANIFEST).build());
    assertEquals(201, pushed.statusCode(), new String(pushed.body()));
  }

  private static String configDigest(String tag) throws IOException {
    return JSON.readTree(get("group/demo", "manifests/" + tag, OCI_MANIFEST).body())
        .path("config").path("digest").asText();
  }

  @FunctionalInterface
  private interface EditImage {
    void apply(ObjectNode manifest, ObjectNode config);
  }

  private static HttpResponse<byte[]> get(String name, String path, String accept)
      throws IOException {
    HttpResponse<byte[]> response = send(HttpRequest.newBuilder(url(name, path))
        .header("Accept", accept).build());
    assertEquals(200, response.statusCode(), path);
    return response;
  }

  private static URI url(String name, String path) {
    return URI.create("http://" + registry.address() + "/v2/" + name + "/" + path);
  }

  private static HttpResponse<byte[]> send(HttpRequest request) throws IOException {
    try {
      return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
