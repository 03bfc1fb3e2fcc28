package dev.relpack.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.FreePort;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registries that refuse, fail or need more than a plain push: exit 4 with a line that says what
 * to do, or success where a retry, credentials or a CA make it possible. WireMock plays the
 * faults a real registry will not produce on demand.
 */
class RegistryFailuresIT {
  private static final String PASSWORD = "s3cret-Pa55";
  @TempDir Path work;

  private Command.Result build(Relpack relpack, String to, String... more) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("build",
        "--release", Testdata.demoTarball().toString(), "--to", to));
    args.addAll(java.util.List.of(more));
    return relpack.run(args);
  }

  @Test
  void anUnreachableRegistryFailsFastWithExit4() {
    long started = System.nanoTime();
    Command.Result result = build(new Relpack(work), "127.0.0.1:" + FreePort.find() + "/x/y");
    assertEquals(4, result.exitCode(), result.stderr());
    assertTrue(result.stderr().contains("cannot reach registry"), result.stderr());
    assertTrue(result.stderr().contains("connection refused"), result.stderr());
    assertTrue(System.nanoTime() - started < 30_000_000_000L, "not jib's minute of retries");
  }

  @Test
  void aRegistryThatKeepsAnswering503FailsWithExit4AfterRetries() {
    WireMockServer broken = new WireMockServer(options().port(0).bindAddress("127.0.0.1"));
    broken.start();
    try {
      broken.stubFor(get(urlEqualTo("/v2/")).willReturn(aResponse().withStatus(200).withBody("{}")));
      broken.stubFor(any(urlPathMatching("/v2/.+")).willReturn(aResponse().withStatus(503)));
      Command.Result result = build(new Relpack(work), "127.0.0.1:" + broken.port() + "/x/y");
      assertEquals(4, result.exitCode(), result.stderr());
      assertTrue(result.stderr().contains("HTTP 503"), result.stderr());
      assertEquals(2, result.stderr().lines().filter(l -> l.contains("trying again")).count(),
          result.stderr());
    } finally {
      broken.stop();
    }
  }

  @Test
  void aFailedManifestPushIsRetriedAndTheImageLands() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      WireMockServer flaky = new WireMockServer(options().port(0).bindAddress("127.0.0.1"));
      flaky.start();
      try {
        flaky.stubFor(any(anyUrl()).atPriority(10)
            .willReturn(aResponse().proxiedFrom("http://" + registry.address())));
        flaky.stubFor(put(urlPathMatching("/v2/.*/manifests/.*")).atPriority(1)
            .inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(503)).willSetStateTo("failed once"));
        String to = "127.0.0.1:" + flaky.port() + "/flaky/demo:1";
        Command.Result result = build(new Relpack(work), to);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(1, result.stderr().lines().filter(l -> l.contains("trying again")).count(),
            result.stderr());
        // jib's refused and its retry, then relpack's manifest naming the config it rewrote
        flaky.verify(3, putRequestedFor(urlPathMatching("/v2/flaky/demo/manifests/1")));
        assertTrue(Skopeo.inspect("docker://" + registry.address() + "/flaky/demo:1")
            .path("Digest").asText().startsWith("sha256:"));
      } finally {
        flaky.stop();
      }
    }
  }

  @Test
  void credentialsComeFromDockerConfigOrGitLabAndAreNeverPrinted() throws Exception {
    try (RegistryServer registry = RegistryServer.startWithAuth(work.resolve("auth"), "ci", PASSWORD)) {
      String to = registry.address() + "/secure/demo:1";
      Command.Result anonymous = build(new Relpack(work.resolve("h1")), to);
      assertEquals(2, anonymous.exitCode(), anonymous.stderr());
      assertTrue(anonymous.stderr().contains("no credentials found for " + registry.address()
          + " (looked in: "), anonymous.stderr());
      Command.Result wrong = build(new Relpack(work.resolve("h0"))
          .env("CI_REGISTRY", registry.address()).env("CI_REGISTRY_USER", "ci")
          .env("CI_REGISTRY_PASSWORD", "not-" + PASSWORD), to);
      assertEquals(2, wrong.exitCode(), wrong.stderr());
      assertTrue(wrong.stderr().contains("credentials from CI_REGISTRY_PASSWORD were refused by "
          + registry.address()), wrong.stderr());

      Path dockerConfig = work.resolve("docker");
      Files.createDirectories(dockerConfig);
      String auth = Base64.getEncoder().encodeToString(("ci:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      Files.writeString(dockerConfig.resolve("config.json"),
          "{\"auths\":{\"" + registry.address() + "\":{\"auth\":\"" + auth + "\"}}}");
      Command.Result viaConfig = build(new Relpack(work.resolve("h2"))
          .env("DOCKER_CONFIG", dockerConfig.toString()), to, "-v");
      assertEquals(0, viaConfig.exitCode(), viaConfig.stderr());

      Command.Result viaGitLab = build(new Relpack(work.resolve("h3"))
          .env("CI_REGISTRY", registry.address()).env("CI_REGISTRY_USER", "ci")
          .env("CI_REGISTRY_PASSWORD", PASSWORD), registry.address() + "/secure/gitlab:1", "-v");
      assertEquals(0, viaGitLab.exitCode(), viaGitLab.stderr());
      for (Command.Result result : java.util.List.of(anonymous, wrong, viaConfig, viaGitLab)) {
        assertFalse((result.stdout() + result.stderr()).contains(PASSWORD), "secret printed");
        assertFalse((result.stdout() + result.stderr()).contains(auth), "secret printed");
      }
    }
  }

  @Test
  void aCredentialHelpersOutputIsNeverPrintedNotEvenWithVerbose() throws Exception {
    // a helper that answers with the secret but no user name: jib quotes its output when it
    // says the helper has nothing for the registry
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path helper = bin.resolve("docker-credential-leaky");
    Files.writeString(helper, "#!/bin/sh\ncat >/dev/null\n"
        + "echo '{\"ServerURL\":\"x\",\"Username\":\"\",\"Secret\":\"" + PASSWORD + "\"}'\n");
    Files.setPosixFilePermissions(helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dockerConfig = Files.createDirectories(work.resolve("leaky-docker"));
    Files.writeString(dockerConfig.resolve("config.json"), "{\"credsStore\":\"leaky\"}");
    try (RegistryServer registry = RegistryServer.start(work.resolve("anonymous"))) {
      Relpack relpack = new Relpack(work.resolve("h-leaky")).env("DOCKER_CONFIG", dockerConfig.toString())
          .env("PATH", bin + ":" + System.getenv("PATH"));
      for (String base : java.util.List.of("host", "scratch")) {
        Command.Result result = base.equals("scratch")
            ? build(relpack, registry.address() + "/leaky/demo:1", "--from", base, "-v", "--no-check")
            : build(relpack, registry.address() + "/leaky/demo:1", "--from", base, "-v");
        assertEquals(0, result.exitCode(), result.stderr());
        assertFalse((result.stdout() + result.stderr()).contains(PASSWORD), "secret printed");
        assertTrue(result.stderr().contains("credentials for " + registry.address() + ": The credential"
            + " helper (docker-credential-leaky) has nothing for server URL"), result.stderr());
      }
    }
  }

  @Test
  void aRegistryWithCredentialsIsNotMixedWithAnInsecureOneUnlessAskedTo() throws Exception {
    try (RegistryServer secure = RegistryServer.startWithTlsAndAuth(work.resolve("secure"), "ci", PASSWORD);
        RegistryServer plain = RegistryServer.start(work.resolve("plain"))) {
      Path dockerConfig = work.resolve("docker");
      Files.createDirectories(dockerConfig);
      String auth = Base64.getEncoder().encodeToString(("ci:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      Files.writeString(dockerConfig.resolve("config.json"),
          "{\"auths\":{\"" + secure.address() + "\":{\"auth\":\"" + auth + "\"}}}");
      Relpack relpack = new Relpack(work.resolve("h")).env("DOCKER_CONFIG", dockerConfig.toString());
      String base = secure.address() + "/base/os:1";
      relpack.succeed("build", "--release", Testdata.kind("relx").toString(), "--from", "scratch",
          "--no-check", "--to", base, "--registry-ca", secure.certificate().toString());

      // a base behind TLS and credentials, a target on plain HTTP: jib would relax both
      Command.Result mixed = build(relpack, plain.address() + "/mixed/demo:1", "--from", base,
          "--registry-ca", secure.certificate().toString());
      assertEquals(2, mixed.exitCode(), mixed.stderr());
      assertTrue(mixed.stderr().contains("registry " + secure.address() + " has credentials"),
          mixed.stderr());
      assertEquals(java.util.List.of(), plain.repositories());

      // (a release on a base of a release: nothing to boot it, so the check is off)
      Command.Result allowed = build(relpack, plain.address() + "/mixed/demo:1", "--from", base,
          "--registry-ca", secure.certificate().toString(), "--insecure", "--no-check");
      assertEquals(0, allowed.exitCode(), allowed.stderr());
    }
  }

  @Test
  void aPushWhoseManifestCannotBeReadBackStillSucceedsWithItsDigest() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      WireMockServer proxy = new WireMockServer(options().port(0).bindAddress("127.0.0.1"));
      proxy.start();
      try {
        proxy.stubFor(any(anyUrl()).atPriority(10)
            .willReturn(aResponse().proxiedFrom("http://" + registry.address())));
        proxy.stubFor(get(urlPathMatching("/v2/.*/manifests/sha256:.*")).atPriority(1)
            .willReturn(aResponse().withStatus(500)));
        Path digest = work.resolve("digest");
        Command.Result result = build(new Relpack(work), "127.0.0.1:" + proxy.port() + "/back/demo:1",
            "--digest-file", digest.toString());
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("cannot read its manifest back"), result.stderr());
        assertEquals(Files.readString(digest), Skopeo.inspect("docker://" + registry.address()
            + "/back/demo:1").path("Digest").asText());
      } finally {
        proxy.stop();
      }
    }
  }

  @Test
  void aPrivateCaIsTrustedOnlyWhenGivenAndInsecureSkipsVerification() {
    try (RegistryServer registry = RegistryServer.startWithTls(work.resolve("tls"))) {
      String to = registry.address() + "/tls/demo:1";
      Command.Result untrusted = build(new Relpack(work.resolve("h1")), to);
      assertEquals(4, untrusted.exitCode(), untrusted.stderr());
      assertTrue(untrusted.stderr().contains("not signed by a CA this machine trusts"), untrusted.stderr());
      assertTrue(untrusted.stderr().contains("--registry-ca"), untrusted.stderr());

      assertEquals(0, build(new Relpack(work.resolve("h2")), to, "--registry-ca",
          registry.certificate().toString()).exitCode());
      assertEquals(0, build(new Relpack(work.resolve("h3"))
          .env("CI_SERVER_TLS_CA_FILE", registry.certificate().toString()), to).exitCode());
      Command.Result insecure = build(new Relpack(work.resolve("h4")), to, "--insecure");
      assertEquals(0, insecure.exitCode(), insecure.stderr());
    }
  }
}
