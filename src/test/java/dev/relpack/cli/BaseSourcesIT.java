package dev.relpack.cli;

import static dev.relpack.cli.BuildToRegistryIT.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bases other than host. The base is assembled here without relpack: the libraries `ldd` names
 * for the demo's ERTS and NIFs, busybox, passwd and /tmp, packed by umoci and pushed by skopeo.
 */
class BaseSourcesIT {
  @TempDir static Path work;
  static RegistryServer registry;
  static Path baseLayout;
  static String baseRef;
  static String baseDigest;

  @BeforeAll
  static void assembleAndPushABase() throws Exception {
    registry = RegistryServer.start(work.resolve("registry"));
    Path release = work.resolve("release");
    Files.createDirectories(release);
    sh("tar -xzf " + Testdata.demoTarball() + " -C " + release);
    Path rootfs = work.resolve("rootfs");
    Files.createDirectories(rootfs);
    Set<String> files = new LinkedHashSet<>(List.of("/bin/busybox"));
    for (String elf : List.of("erts-13.1.5/bin/beam.smp", "erts-13.1.5/bin/epmd",
        "erts-13.1.5/bin/erlexec", "erts-13.1.5/bin/erl_child_setup", "erts-13.1.5/bin/inet_gethost",
        "lib/crypto-5.1.2/priv/lib/crypto.so")) {
      String ldd = sh("ldd " + release.resolve(elf));
      for (String word : ldd.split("\\s+")) {
        if (word.startsWith("/")) {
          files.add(word);
        }
      }
    }
    for (String file : files) {
      sh("cp -L --parents " + file + " " + rootfs);
    }
    sh("cd " + rootfs + " && mkdir -p bin usr/bin tmp etc && chmod 1777 tmp && ln -s /bin/env usr/bin/env"
        + " && for a in sh readlink cut sed grep awk dirname basename cat od dd date mkdir env tr head tail uname;"
        + " do ln -s busybox bin/$a; done"
        + " && printf 'root:x:0:0::/root:/bin/sh\\nnobody:x:65534:65534::/nonexistent:/bin/sh\\n' > etc/passwd"
        + " && printf 'root:x:0:\\nnogroup:x:65534:\\n' > etc/group"
        // what scanners read: the OS and a package database naming this machine's libc
        + " && cp -L /etc/os-release etc/os-release && mkdir -p var/lib/dpkg"
        + " && dpkg-query -s libc6 > var/lib/dpkg/status");
    baseLayout = work.resolve("base-layout");
    sh("umoci init --layout " + baseLayout + " && umoci new --image " + baseLayout + ":os"
        + " && umoci unpack --image " + baseLayout + ":os " + work.resolve("bundle")
        + " && cp -a " + rootfs + "/. " + work.resolve("bundle/rootfs") + "/"
        + " && umoci repack --image " + baseLayout + ":os " + work.resolve("bundle")
        + " && umoci config --image " + baseLayout + ":os --config.env PATH=/usr/bin:/bin");
    baseRef = registry.address() + "/base/os:1";
    Skopeo.copy("oci:" + baseLayout + ":os", "docker://" + baseRef);
    baseDigest = Skopeo.inspect("docker://" + baseRef).path("Digest").asText();
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void aRegistryBaseIsPinnedLabelledAndItsLayersAreNotUploadedAgain() throws Exception {
    String target = registry.address() + "/group/on-base:1";
    int before = registry.requests().size();
    new Relpack(work.resolve("home")).succeed("build", "--release", Testdata.demoTarball().toString(),
        "--from", baseRef, "--to", target, "--metadata", work.resolve("m.json").toString(),
        "--sbom", work.resolve("sbom.json").toString());
    JsonNode labels = Skopeo.config("docker://" + target).path("config").path("Labels");
    assertEquals(baseRef, labels.path("org.opencontainers.image.base.name").asText());
    assertEquals(baseDigest, labels.path("org.opencontainers.image.base.digest").asText());
    // the SBOM names the base by its digest, with the OS and packages its own database lists
    JsonNode sbom = new ObjectMapper().readTree(work.resolve("sbom.json").toFile());
    String libc = Command.run(List.of("dpkg-query", "-W", "-f=${Version}", "libc6"), Map.of(),
        Duration.ofSeconds(30)).requireSuccess().stdout();
    List<String> purls = sbom.path("components").findValuesAsText("purl");
    assertTrue(purls.stream().anyMatch(p -> p.startsWith("pkg:deb/debian/libc6@")
        && p.contains("distro=debian-")), purls.toString());
    assertTrue(purls.stream().anyMatch(p -> p.startsWith("pkg:oci/os@"
        + baseDigest.replace(":", "%3A"))), purls.toString());
    assertTrue(sbom.path("components").findValuesAsText("version").contains(libc), libc);
    // the manifest names the base as well, where OCI defines these (rebase and update tools)
    JsonNode annotations = Skopeo.manifest("docker://" + target).path("annotations");
    assertEquals(baseRef, annotations.path("org.opencontainers.image.base.name").asText());
    assertEquals(baseDigest, annotations.path("org.opencontainers.image.base.digest").asText());
    JsonNode layers = new ObjectMapper().readTree(work.resolve("m.json").toFile()).path("layers");
    assertEquals("base", layers.get(0).path("name").asText());
    String baseLayer = Skopeo.manifest("docker://" + baseRef).path("layers").get(0).path("digest").asText();
    assertEquals(baseLayer, layers.get(0).path("digest").asText());
    // same registry: jib mounts the base layer across repositories instead of uploading it
    // (it does download it into its cache first: jib pulls what the target repo lacks)
    String hex = baseLayer.substring("sha256:".length());
    List<RegistryServer.Request> since = registry.requests().subList(before, registry.requests().size());
    assertTrue(since.stream().anyMatch(r -> r.method().equals("POST") && r.path().contains("mount=")
        && r.path().contains(hex) && r.status() == 201), since.toString());
    assertTrue(since.stream().noneMatch(r -> r.method().equals("PUT") && r.path().contains(hex)),
        "the base layer was not uploaded: " + since);

    Path layout = work.resolve("pulled");
    Skopeo.copy("docker://" + target, "oci:" + layout + ":run");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("run"))) {
      assertEquals("hello, relpack\n", running.get("/"));
    }
  }

  @Test
  void anOciLayoutAndADockerArchiveWorkAsBasesToo() throws Exception {
    Path archive = work.resolve("base.tar");
    Skopeo.copy("oci:" + baseLayout + ":os", "docker-archive:" + archive + ":base/os:archived");
    Relpack relpack = new Relpack(work.resolve("home"));
    for (String from : List.of("oci:" + baseLayout + ":os", "tar:" + archive)) {
      Path out = work.resolve("out-" + Math.abs(from.hashCode()));
      relpack.succeed("build", "--release", Testdata.demoTarball().toString(), "--from", from,
          "--to", "oci:" + out + ":img");
      JsonNode config = Skopeo.config("oci:" + out + ":img");
      JsonNode labels = config.path("config").path("Labels");
      // for archives, the name is the archive's own tag (skopeo writes it fully qualified)
      String expectedName = from.startsWith("oci:") ? "oci:base-layout:os" : "docker.io/base/os:archived";
      assertEquals(expectedName, labels.path("org.opencontainers.image.base.name").asText(), from);
      assertTrue(strings(config.path("config").path("Env")).contains("PATH=/usr/bin:/bin"),
          "the base's env is kept: " + from);
      assertEquals(6, Skopeo.inspect("oci:" + out + ":img").path("Layers").size(), from);
    }
  }

  @Test
  void aBaseOfAnotherArchitectureIsRefusedAsACheckFailureAndNothingIsPushed() throws Exception {
    // the demo release was built on amd64 (its ERTS says so, whatever machine runs the test)
    String foreign = "arm64";
    sh("umoci config --image " + baseLayout + ":os --tag foreign --architecture " + foreign);
    addIndex(baseLayout, "foreign", "foreign-index", foreign);
    Path archive = work.resolve("foreign.tar");
    Skopeo.copy("oci:" + baseLayout + ":foreign", "docker-archive:" + archive + ":base/os:foreign");
    String image = registry.address() + "/base/os:foreign";
    String index = registry.address() + "/base/os:foreign-index";
    Skopeo.copy("oci:" + baseLayout + ":foreign", "docker://" + image);
    Skopeo.copyAll("oci:" + baseLayout + ":foreign-index", "docker://" + index);
    Relpack relpack = new Relpack(work.resolve("home"));
    String wanted = "linux/amd64";
    for (String from : List.of(image, index, "oci:" + baseLayout + ":foreign",
        "oci:" + baseLayout + ":foreign-index", "tar:" + archive)) {
      int before = registry.requests().size();
      Command.Result result = relpack.run("build", "--release", Testdata.demoTarball().toString(),
          "--from", from, "--to", registry.address() + "/group/foreign:1", "--progress", "none");
      assertEquals(3, result.exitCode(), from + ": " + result.stderr());
      String message = result.stderr().strip();
      assertFalse(message.contains("\n"), "one line: " + message);
      assertTrue(message.contains("is " + wanted) && message.contains("linux/" + foreign),
          from + ": " + message);
      List<RegistryServer.Request> since = registry.requests().subList(before, registry.requests().size());
      assertTrue(since.stream().noneMatch(r -> r.path().contains("/group/foreign/")),
          "nothing sent to the target: " + since);
    }
    // with --no-check an index still offers nothing to pick; a single image is used as it is
    Command.Result unchecked = relpack.run("build", "--release", Testdata.demoTarball().toString(),
        "--from", index, "--to", registry.address() + "/group/foreign:1", "--no-check");
    assertEquals(3, unchecked.exitCode(), unchecked.stderr());
    assertTrue(unchecked.stderr().contains("offers only linux/" + foreign), unchecked.stderr());
    Path out = work.resolve("unchecked");
    relpack.succeed("build", "--release", Testdata.demoTarball().toString(),
        "--from", "oci:" + baseLayout + ":foreign", "--to", "oci:" + out + ":img", "--no-check");
    assertEquals(foreign, Skopeo.config("oci:" + out + ":img").path("architecture").asText());
  }

  /** Adds to {@code layout} an index, named {@code name}, that lists only the image {@code ref}. */
  private static void addIndex(Path layout, String ref, String name, String architecture)
      throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode top = (ObjectNode) json.readTree(layout.resolve("index.json").toFile());
    ObjectNode image = null;
    for (JsonNode m : top.path("manifests")) {
      if (ref.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        image = m.deepCopy();
      }
    }
    image.remove("annotations");
    image.putObject("platform").put("architecture", architecture).put("os", "linux");
    ObjectNode nested = json.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", "application/vnd.oci.image.index.v1+json");
    nested.putArray("manifests").add(image);
    byte[] bytes = json.writeValueAsBytes(nested);
    String hex = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    Files.write(layout.resolve("blobs/sha256/" + hex), bytes);
    ObjectNode entry = ((com.fasterxml.jackson.databind.node.ArrayNode) top.path("manifests")).addObject()
        .put("mediaType", "application/vnd.oci.image.index.v1+json")
        .put("digest", "sha256:" + hex).put("size", bytes.length);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", name);
    Files.write(layout.resolve("index.json"), json.writeValueAsBytes(top));
  }

  @Test
  void aBasePinnedByDigestIsTakenAtThatDigest() {
    String pinned = registry.address() + "/base/os@" + baseDigest;
    Path out = work.resolve("pinned");
    new Relpack(work.resolve("home")).succeed("build", "--release", Testdata.demoTarball().toString(),
        "--from", pinned, "--to", "oci:" + out + ":img");
    JsonNode labels = Skopeo.config("oci:" + out + ":img").path("config").path("Labels");
    assertEquals(baseDigest, labels.path("org.opencontainers.image.base.digest").asText());
    assertEquals(registry.address() + "/base/os",
        labels.path("org.opencontainers.image.base.name").asText());
    JsonNode annotations = Skopeo.manifest("oci:" + out + ":img").path("annotations");
    assertEquals(baseDigest, annotations.path("org.opencontainers.image.base.digest").asText());
  }

  @Test
  void scratchGivesOnlyTheReleaseLayers() {
    Path out = work.resolve("scratch");
    new Relpack(work.resolve("home")).succeed("build", "--release", Testdata.demoTarball().toString(),
        "--from", "scratch", "--no-check", "--to", "oci:" + out + ":img");
    JsonNode labels = Skopeo.config("oci:" + out + ":img").path("config").path("Labels");
    assertEquals("scratch", labels.path("org.opencontainers.image.base.name").asText());
    assertTrue(labels.path("org.opencontainers.image.base.digest").isMissingNode());
    // no base a tool could pull: nothing in the manifest
    assertTrue(Skopeo.manifest("oci:" + out + ":img").path("annotations").isMissingNode());
    assertEquals(5, Skopeo.inspect("oci:" + out + ":img").path("Layers").size());
  }

  static String sh(String script) {
    List<String> command = new ArrayList<>(List.of("sh", "-c", script));
    return Command.run(command, Map.of(), Duration.ofMinutes(2)).requireSuccess().stdout();
  }
}
