package dev.relpack.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.relpack.io.Sha256;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.HostileRegistry;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registries built to attack relpack: documents without end or of gigabytes, answers that never
 * come, blobs and manifests that are not what they claim. relpack runs as users run it, with a
 * 256 MB heap, and must end each with exit 4, one error line naming the registry or blob, no
 * stack trace, nothing written to the target, within the time it promises.
 */
class HostileRegistryIT {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  /** Small, so the suite stays quick; the bound a test allows is this plus a JVM's start-up. */
  private static final int TIMEOUT = 5;
  private static final long SLACK_NANOS = 25_000_000_000L;
  @TempDir Path work;

  /** What relpack did, and how long it took. */
  private record Run(Command.Result result, long nanos) {}

  private Run build(String from, String to) {
    return build(from, to, TIMEOUT);
  }

  /** With a longer timeout where the attack is not on time: pushes through WireMock are slow. */
  private Run build(String from, String to, int timeout, String... more) {
    Relpack relpack = new Relpack(work.resolve("home")).jvmOption("-Xmx256m")
        .env("RELPACK_NO_RELAUNCH", "1"); // the heap limit applies to the JVM that builds
    List<String> args = new ArrayList<>(List.of("build", "--release",
        Testdata.demoTarball().toString(), "--from", from, "--to", to, "--progress", "none",
        "--timeout", String.valueOf(timeout)));
    if (from.equals("scratch")) {
      args.add("--no-check"); // the attack is on the registry; a scratch base boots nothing
    }
    args.addAll(List.of(more));
    long started = System.nanoTime();
    Command.Result result = relpack.run(args);
    return new Run(result, System.nanoTime() - started);
  }

  /** Exit 4; one line, the error, naming {@code named}; no trace; within {@code bound}. */
  private static void assertRegistryFailure(Run run, String named, long boundNanos) {
    String stderr = run.result().stderr();
    assertEquals(4, run.result().exitCode(), stderr);
    List<String> lines = stderr.lines().filter(l -> !l.isBlank())
        .filter(l -> !l.startsWith("warning: the boot check is off")).toList();
    assertEquals(1, lines.size(), stderr);
    assertTrue(lines.get(0).startsWith("relpack: error: "), stderr);
    assertTrue(lines.get(0).contains(named), stderr);
    assertFalse(stderr.contains("\tat ") || stderr.contains("Exception") || stderr.contains("Error:"),
        stderr);
    assertTrue(run.nanos() < boundNanos, "took " + run.nanos() / 1_000_000 + " ms: " + stderr);
  }

  private void assertNothingWritten(Path target) throws Exception {
    assertFalse(Files.exists(target), target + " written");
    try (var left = Files.list(target.getParent())) {
      assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("."))
          .toList(), "a temporary file left beside the target");
    }
  }

  private Path tarTarget() throws Exception {
    return Files.createDirectories(work.resolve("out")).resolve("image.tar");
  }

  @Test
  void aBaseManifestDeclaringTwoGibibytesIsRefusedUnread() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
      if (request.path().equals("/v2/")) {
        answer.send(200, "application/json", "{}");
      } else {
        answer.declared(2L << 30, OCI_MANIFEST, "{\"layers\":[");
      }
    })) {
      Path target = tarTarget();
      Run run = build(hostile.address() + "/base/os:1", "tar:" + target);
      assertRegistryFailure(run, "the manifest of " + hostile.address() + "/base/os:1 declares"
          + " 2147483648 bytes, more than relpack accepts (4 MiB)", SLACK_NANOS);
      assertNothingWritten(target);
    }
  }

  @Test
  void anEndlessBaseManifestIsCutAtFourMebibytes() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
      if (request.path().equals("/v2/")) {
        answer.send(200, "application/json", "{}");
      } else {
        answer.endless(OCI_MANIFEST, "{\"layers\":[", "{\"digest\":\"sha256:00\",\"size\":1},");
      }
    })) {
      Path target = tarTarget();
      Run run = build(hostile.address() + "/base/os:1", "tar:" + target);
      assertRegistryFailure(run, "the manifest of " + hostile.address() + "/base/os:1 goes on for"
          + " more than relpack accepts (4 MiB)", SLACK_NANOS);
      assertNothingWritten(target);
    }
  }

  @Test
  void anEndlessBaseConfigIsCutAtEightMebibytes() throws Exception {
    String config = "sha256:" + Sha256.of("{\"architecture\":\"amd64\",\"os\":\"linux\"}");
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
      if (request.path().equals("/v2/")) {
        answer.send(200, "application/json", "{}");
      } else if (request.path().contains("/manifests/")) {
        answer.send(200, OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\"" + config + "\",\"size\":40},\"layers\":[]}");
      } else {
        answer.endless("application/octet-stream", "{\"architecture\":\"", "amd64");
      }
    })) {
      Path target = tarTarget();
      Run run = build(hostile.address() + "/base/os:1", "tar:" + target);
      assertRegistryFailure(run, "the config blob " + config + " of " + hostile.address()
          + "/base/os:1 goes on for more than relpack accepts (8 MiB)", SLACK_NANOS);
      assertNothingWritten(target);
    }
  }

  @Test
  void anEndlessTokenEndsInExit4BeforeAnyPush() {
    // jib reads the token server's answer whole into memory (the heap runs out or the time
    // does); the push token relpack asks for before any build work is read to 1 MiB
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
      if (request.path().startsWith("/token")) {
        answer.endless("application/json", "{\"token\":\"", "t");
      } else {
        answer.send(401, "application/json", "{}", "WWW-Authenticate: Bearer realm=\"http://"
            + request.headers().get("host") + "/token\",service=\"hostile\"");
      }
    })) {
      Run run = build("scratch", hostile.address() + "/x/demo:1");
      assertRegistryFailure(run, "the token server's answer for a push to " + hostile.address()
          + "/x/demo goes on for more than relpack accepts (1 MiB)", SLACK_NANOS);
      assertTrue(hostile.requests().stream().anyMatch(r -> r.startsWith("GET /token")),
          "relpack asked for a token: " + hostile.requests());
      assertFalse(hostile.requests().stream().anyMatch(r -> r.startsWith("PUT ")),
          "nothing pushed: " + hostile.requests());
    }
  }

  @Test
  void aRegistryThatStallsAfterV2EndsWithinTheTimeoutReadingTheBaseOrPushing() throws Exception {
    try (HostileRegistry hostile = HostileRegistry.start((request, answer) -> {
      if (request.path().equals("/v2/")) {
        answer.send(200, "application/json", "{}");
      } else {
        answer.stall();
      }
    })) {
      Path target = tarTarget();
      Run base = build(hostile.address() + "/base/os:1", "tar:" + target);
      assertRegistryFailure(base, "registry " + hostile.address() + " did not answer within "
          + TIMEOUT + " s", TIMEOUT * 1_000_000_000L + SLACK_NANOS);
      assertNothingWritten(target);
      // waited for once: the base read ahead of the check is not asked for again, to stall again
      assertEquals(1, hostile.requests().stream().filter(r -> r.contains("/manifests/")).count(),
          hostile.requests().toString());

      Run push = build("scratch", hostile.address() + "/x/demo:1");
      assertRegistryFailure(push, "registry " + hostile.address() + " did not answer within "
          + TIMEOUT + " s (building " + hostile.address() + "/x/demo:1)",
          TIMEOUT * 1_000_000_000L + SLACK_NANOS);
    }
  }

  @Test
  void aBaseLayerWhoseContentIsNotItsDigestEndsInExit4NamingTheBlob() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      new Relpack(work.resolve("pusher")).succeed("build", "--release",
          Testdata.kind("relx").toString(), "--from", "scratch", "--no-check", "--to",
          registry.address() + "/base/os:1");
      String layer = Skopeo.inspect("docker://" + registry.address() + "/base/os:1")
          .path("Layers").path(0).asText();
      assertTrue(layer.startsWith("sha256:"), layer);
      WireMockServer proxy = new WireMockServer(options().port(0).bindAddress("127.0.0.1"));
      proxy.start();
      try {
        proxy.stubFor(any(anyUrl()).atPriority(10)
            .willReturn(aResponse().proxiedFrom("http://" + registry.address())));
        proxy.stubFor(get(urlEqualTo("/v2/base/os/blobs/" + layer)).atPriority(1)
            .willReturn(aResponse().withStatus(200).withBody("tampered")));
        Path target = tarTarget();
        // the boot check reads the layer first, and refuses what is not its descriptor's
        Run checked = build("127.0.0.1:" + proxy.port() + "/base/os:1", "tar:" + target, 120);
        assertRegistryFailure(checked, "blob " + layer + " of ", 120_000_000_000L);
        assertNothingWritten(target);
        // without it, jib downloads the layer, and its digest check refuses it
        Run run = build("127.0.0.1:" + proxy.port() + "/base/os:1", "tar:" + target, 120,
            "--no-check");
        assertRegistryFailure(run, "sent blob " + layer + " with content whose digest is sha256:"
            + Sha256.of("tampered"), 120_000_000_000L);
        assertNothingWritten(target);
      } finally {
        proxy.stop();
      }
    }
  }

  @Test
  void aManifestPushAnsweredWithAnotherDigestIsAFailure() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      WireMockServer proxy = new WireMockServer(options().port(0).bindAddress("127.0.0.1"));
      proxy.start();
      try {
        String other = "sha256:" + "0".repeat(64);
        proxy.stubFor(any(anyUrl()).atPriority(10)
            .willReturn(aResponse().proxiedFrom("http://" + registry.address())));
        proxy.stubFor(put(urlPathMatching("/v2/.*/manifests/.*")).atPriority(1)
            .willReturn(aResponse().withStatus(201).withHeader("Docker-Content-Digest", other)));
        String to = "127.0.0.1:" + proxy.port() + "/lying/demo:1";
        Run run = build("scratch", to, 120);
        assertRegistryFailure(run, "the registry of " + to + " answered the manifest push with"
            + " digest " + other + ", not sha256:", 120_000_000_000L);
        assertEquals(List.of(), registry.repositories(), "no manifest stored");
      } finally {
        proxy.stop();
      }
    }
  }
}
