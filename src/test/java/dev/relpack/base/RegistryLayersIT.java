package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.io.Sha256;
import dev.relpack.registry.ReadLimits;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layers of registry, {@code tar:} and {@code oci:} bases read through the real registry,
 * skopeo and umoci. The base: three layers of random bytes (about 50 MB, which gzip cannot
 * shrink), packed by umoci and pushed by skopeo.
 */
class RegistryLayersIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LAYER_BYTES = 17_000_000;
  @TempDir static Path work;
  static RegistryServer source;
  static Path layout;
  static String baseRef;

  @BeforeAll
  static void assembleAndPushABase() {
    source = RegistryServer.start(work.resolve("source"));
    layout = work.resolve("layout");
    Path bundle = work.resolve("bundle");
    StringBuilder script = new StringBuilder("umoci init --layout " + layout
        + " && umoci new --image " + layout + ":big");
    for (int i = 1; i <= 3; i++) {
      script.append(" && rm -rf ").append(bundle)
          .append(" && umoci unpack --rootless --image ").append(layout).append(":big ").append(bundle)
          .append(" && mkdir -p ").append(bundle).append("/rootfs/data")
          .append(" && head -c ").append(LAYER_BYTES).append(" /dev/urandom > ").append(bundle)
          .append("/rootfs/data/part").append(i)
          .append(" && umoci repack --image ").append(layout).append(":big ").append(bundle);
    }
    script.append(" && umoci config --image ").append(layout).append(":big --config.env PATH=/usr/bin:/bin");
    sh(script.toString());
    baseRef = source.address() + "/base/big:1";
    Skopeo.copy("oci:" + layout + ":big", "docker://" + baseRef);
  }

  @AfterAll
  static void stop() {
    source.close();
  }

  private static RegistryReader reader() {
    return new RegistryReader(new RegistryAccess(false), registry -> RegistryProbe.Transport.HTTP,
        Duration.ofSeconds(60), ReadLimits.DEFAULT);
  }

  /** The SHA-256 of each layer's uncompressed content, reading each as the check will. */
  private static List<String> uncompressedDigests(BaseFiles files) throws IOException {
    List<String> digests = new ArrayList<>();
    for (BaseLayer layer : files.layers()) {
      try (InputStream in = layer.open()) {
        digests.add("sha256:" + Sha256.of(in));
      }
    }
    return digests;
  }

  private static List<String> diffIds(JsonNode config) {
    List<String> diffIds = new ArrayList<>();
    config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
    return diffIds;
  }

  private static List<String> layerDigests(JsonNode manifest) {
    List<String> digests = new ArrayList<>();
    manifest.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
    return digests;
  }

  /** GETs of a blob the source registry answered with its content. */
  private static long downloads(String digest) {
    return source.requests().stream().filter(r -> r.method().equals("GET") && r.status() == 200
        && r.path().endsWith("/blobs/" + digest)).count();
  }

  @Test
  void layersFetchedIntoTheCacheAreNotDownloadedAgainByTheBuild() throws Exception {
    Path cacheDir = work.resolve("cache");
    Path cacheRoot = cacheDir.resolve("v1"); // CacheDirectory's layout
    ImageReference image = ImageReference.parse(baseRef);
    List<String> layers = layerDigests(Skopeo.manifest("docker://" + baseRef));
    assertEquals(3, layers.size());
    Map<String, Long> before = new java.util.HashMap<>();
    layers.forEach(layer -> before.put(layer, downloads(layer))); // other tests download too

    long started = System.nanoTime();
    BaseFiles files = new RegistryLayers(reader(), cacheRoot).files(image, Optional.empty(), "amd64");
    List<InputStream> opened = new ArrayList<>();
    for (BaseLayer layer : files.layers()) {
      opened.add(layer.open()); // downloads into jib's cache, then opens it there
    }
    long stored = System.nanoTime();
    List<String> contents = new ArrayList<>();
    for (InputStream in : opened) {
      try (in) {
        contents.add("sha256:" + Sha256.of(in));
      }
    }
    long read = System.nanoTime();
    long bytes = 0;
    for (String layer : layers) {
      bytes += Files.size(cacheRoot.resolve("jib/base/layers").resolve(layer.substring(7))
          .toFile().listFiles()[0].toPath());
    }
    System.out.printf("fetch+store of a %d-layer base of %.1f MB from the local registry: %d ms;"
        + " reading it back uncompressed and checked: %d ms%n", layers.size(), bytes / 1e6,
        (stored - started) / 1_000_000, (read - stored) / 1_000_000);

    assertEquals(layers, files.layers().stream().map(BaseLayer::digest).toList());
    assertEquals(diffIds(Skopeo.config("docker://" + baseRef)), contents);
    assertEquals(List.of("PATH=/usr/bin:/bin"), files.env());

    // the fetch above is what the check does; this base of random bytes boots nothing, so the
    // build skips its check and shows that jib takes the layers from the cache the fetch filled
    // (BootCheckIT builds on a bootable base with the check on)
    try (RegistryServer target = RegistryServer.start(work.resolve("target"))) {
      String to = target.address() + "/app/demo:1";
      new Relpack(work.resolve("home")).succeed("build", "--release",
          Testdata.demoTarball().toString(), "--from", baseRef, "--to", to,
          "--cache-dir", cacheDir.toString(), "--no-check");
      List<String> pushed = layerDigests(Skopeo.manifest("docker://" + to));
      assertEquals(layers, pushed.subList(0, 3), "the base's layers are in the image");
    }
    for (String layer : layers) {
      assertEquals(1, downloads(layer) - before.get(layer),
          layer + " downloaded once in all: " + source.requests());
    }
  }

  @Test
  void aCacheEntryThatNoLongerMatchesIsDownloadedAgain() throws Exception {
    Path cacheRoot = work.resolve("tampered-cache");
    ImageReference image = ImageReference.parse(baseRef);
    RegistryLayers registryLayers = new RegistryLayers(reader(), cacheRoot);
    BaseLayer first = registryLayers.files(image, Optional.empty(), "amd64").layers().get(0);
    long before = downloads(first.digest());
    try (InputStream in = first.open()) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    Path entry = cacheRoot.resolve("jib/base/layers").resolve(first.digest().substring(7));
    Path file = entry.toFile().listFiles()[0].toPath();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);

    BaseLayer again = registryLayers.files(image, Optional.empty(), "amd64").layers().get(0);
    String diffId = diffIds(Skopeo.config("docker://" + baseRef)).get(0);
    try (InputStream in = again.open()) {
      assertEquals(diffId, "sha256:" + Sha256.of(in));
    }
    assertEquals(before + 2, downloads(first.digest()), "downloaded again, once");
    assertEquals(first.digest(), "sha256:" + Sha256.of(file), "the entry holds the blob again");
  }

  @Test
  void anOciLayoutAndTheDockerArchiveSkopeoMakesOfItGiveTheSameLayers() throws Exception {
    Path archive = work.resolve("big.tar");
    Skopeo.copy("oci:" + layout + ":big", "docker-archive:" + archive + ":base/big:1");
    List<String> diffIds = diffIds(Skopeo.config("oci:" + layout + ":big"));
    BaseFiles fromLayout = OciLayoutBase.files(
        new BaseSpec.OciLayout(layout, Optional.of("big")), context());
    BaseFiles fromArchive = DockerArchiveBase.files(archive);
    assertEquals(layerDigests(Skopeo.manifest("oci:" + layout + ":big")),
        fromLayout.layers().stream().map(BaseLayer::digest).toList());
    assertEquals(diffIds, fromArchive.layers().stream().map(BaseLayer::digest).toList());
    assertEquals(diffIds, uncompressedDigests(fromLayout));
    assertEquals(diffIds, uncompressedDigests(fromArchive));
    assertEquals(fromLayout.env(), fromArchive.env());
  }

  @Test
  void fromAMultiPlatformIndexTheLayersOfTheLinuxAmd64EntryAreReturned() throws Exception {
    Path bundle = work.resolve("small-bundle");
    for (String arch : List.of("amd64", "arm64")) {
      sh("umoci new --image " + layout + ":" + arch
          + " && rm -rf " + bundle + " && umoci unpack --rootless --image " + layout + ":" + arch
          + " " + bundle + " && echo " + arch + " > " + bundle + "/rootfs/arch"
          + " && umoci repack --image " + layout + ":" + arch + " " + bundle
          + " && umoci config --image " + layout + ":" + arch + " --architecture " + arch);
    }
    addIndex("multi", List.of("arm64", "amd64"));
    String index = source.address() + "/base/multi:1";
    Skopeo.copyAll("oci:" + layout + ":multi", "docker://" + index);
    List<String> amd64 = layerDigests(Skopeo.manifest("oci:" + layout + ":amd64"));
    List<String> arm64 = layerDigests(Skopeo.manifest("oci:" + layout + ":arm64"));
    assertNotEquals(amd64, arm64);

    RegistryLayers registryLayers = new RegistryLayers(reader(), work.resolve("multi-cache"));
    ImageReference image = ImageReference.parse(index);
    assertEquals(amd64, registryLayers.files(image, Optional.empty(), "amd64").layers().stream()
        .map(BaseLayer::digest).toList());
    assertEquals(arm64, registryLayers.files(image, Optional.empty(), "arm64").layers().stream()
        .map(BaseLayer::digest).toList());
    BaseFiles fromLayout = OciLayoutBase.files(
        new BaseSpec.OciLayout(layout, Optional.of("multi")), context());
    assertEquals(amd64, fromLayout.layers().stream().map(BaseLayer::digest).toList());
    try (InputStream in = registryLayers.files(image, Optional.empty(), "amd64").layers().get(0).open()) {
      assertTrue(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1)
          .contains("amd64\n"), "the amd64 image's own file");
    }
  }

  /** Adds to the layout an index named {@code name} listing the images tagged {@code archs}. */
  private static void addIndex(String name, List<String> archs) throws IOException {
    ObjectNode top = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ObjectNode nested = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode entries = nested.putArray("manifests");
    for (String arch : archs) {
      for (JsonNode m : top.path("manifests")) {
        if (arch.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
          ObjectNode entry = m.deepCopy();
          entry.remove("annotations");
          entry.putObject("platform").put("architecture", arch).put("os", "linux");
          entries.add(entry);
        }
      }
    }
    byte[] bytes = JSON.writeValueAsBytes(nested);
    String hex = Sha256.of(bytes);
    Files.write(layout.resolve("blobs/sha256/" + hex), bytes);
    ObjectNode entry = ((ArrayNode) top.path("manifests")).addObject()
        .put("mediaType", "application/vnd.oci.image.index.v1+json")
        .put("digest", "sha256:" + hex).put("size", bytes.length);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", name);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(top));
  }

  private static BaseContext context() {
    return new BaseContext(null, null, null, null, event -> { }, null, "/app", "65534:65534",
        true, Optional.of("amd64"));
  }

  private static String sh(String script) {
    return Command.run(List.of("sh", "-c", script), Map.of(), Duration.ofMinutes(3))
        .requireSuccess().stdout();
  }
}
