package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.GitlabJob;
import dev.relpack.testsupport.GitlabRegistry;
import dev.relpack.testsupport.GitlabTokenService;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.Testdata;
import dev.relpack.testsupport.ThrottlingProxy;
import dev.relpack.testsupport.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GitLab job's push, against the real registry behind a token service that answers as
 * GitLab's {@code /jwt/auth} does (HTTPS, RS256 JWTs with an {@code x5c} chain, per-path grants,
 * no {@code expires_in}): the job's own project works; another project, a wrong job token or no
 * credentials fail before any build work, each with its own message; the job token is never
 * printed; a push that outlives its token gets a new one.
 */
class GitlabAuthIT {
  private static final String PROJECT = "group/project";
  @TempDir Path work;

  private GitlabRegistry gitlab(GitlabTokenService.Settings settings) {
    return GitlabTokenService.startWithRegistry(work.resolve("gitlab"), settings);
  }

  /** {@code relpack -v build} of a release tarball (which reading unpacks into the cache). */
  private Command.Result build(GitlabJob job, String to, Path release, String... more) {
    List<String> args = new ArrayList<>(List.of("build", "-v", "--release", release.toString(),
        "--from", "scratch", "--no-check", "--cache-dir", cache().toString(), "--to", to));
    args.addAll(List.of(more));
    return job.apply(new Relpack(work.resolve("home"))).run(args);
  }

  private Path cache() {
    return work.resolve("cache");
  }

  /** Regular files in the cache directory: what any build work leaves there. */
  private List<Path> cacheFiles() throws IOException {
    if (!Files.isDirectory(cache())) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(cache())) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  private static void assertNeverPrinted(String secret, Command.Result result) {
    assertFalse(result.stdout().contains(secret), "the job token is in stdout");
    assertFalse(result.stderr().contains(secret), "the job token is in stderr");
  }

  @Test
  void aJobPushesToItsOwnProjectAndSkopeoReadsItWithTheJobToken() throws Exception {
    try (GitlabRegistry gitlab = gitlab(GitlabTokenService.Settings.job(PROJECT))) {
      GitlabJob job = GitlabJob.of(gitlab);
      Path digest = work.resolve("digest");
      for (String to : List.of(gitlab.projectImage() + ":1", gitlab.projectImage() + "/app:1",
          gitlab.projectImage() + "/app/arm:1")) {
        Command.Result result = build(job, to, Testdata.kind("relx.tar.gz"),
            "--digest-file", digest.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertNeverPrinted(gitlab.jobToken(), result);
        assertEquals(Files.readString(digest), Skopeo.inspect("docker://" + to,
            GitlabTokenService.JOB_USER + ":" + gitlab.jobToken(), gitlab.certDir())
            .path("Digest").asText(), to);
      }
      assertFalse(cacheFiles().isEmpty(), "a build leaves its work in the cache");
    }
  }

  /**
   * A base in the job's own project: the image is written without jib, its base's layers mounted
   * from the base's repository, which takes a token for both repositories (the registry's 401
   * names the wider scope, and the token service grants it to the job).
   */
  @Test
  void aJobWritesItsImageOnABaseOfItsOwnProjectWithoutJibMountingTheBasesLayers()
      throws Exception {
    try (GitlabRegistry gitlab = gitlab(GitlabTokenService.Settings.job(PROJECT))) {
      String credentials = GitlabTokenService.JOB_USER + ":" + gitlab.jobToken();
      String base = gitlab.projectImage() + "/base:1";
      Command.run(List.of("skopeo", "copy", "--quiet", "--dest-creds", credentials,
          "--dest-cert-dir", gitlab.certDir().toString(), new TestBases(work.resolve("bases"),
              TestBases.unpackDemo(work.resolve("demo"))).get(TestBases.Name.COMPLETE).oci(),
          "docker://" + base), Map.of(), Duration.ofMinutes(2)).requireSuccess();
      String to = gitlab.projectImage() + ":new";
      Path digest = work.resolve("digest");

      Command.Result result = GitlabJob.of(gitlab).apply(new Relpack(work.resolve("home")))
          .run("build", "-v", "--release", Testdata.demoTarball().toString(), "--from", base,
              "--cache-dir", cache().toString(), "--to", to, "--digest-file", digest.toString());

      assertEquals(0, result.exitCode(), result.stderr());
      assertTrue(result.stderr().contains(NewImageIT.WRITTEN), result.stderr());
      assertTrue(result.stdout().lines().anyMatch(
          l -> l.matches("  base +[\\d.]+ \\S+ +- +base +mounted +sha256:.*")), result.stdout());
      assertNeverPrinted(gitlab.jobToken(), result);
      assertEquals(Files.readString(digest), Skopeo.inspect("docker://" + to, credentials,
          gitlab.certDir()).path("Digest").asText());
    }
  }

  @Test
  void aPushToAnotherProjectIsDeniedBeforeAnyBuildWork() throws Exception {
    try (GitlabRegistry gitlab = gitlab(GitlabTokenService.Settings.job(PROJECT)
        .withReadable(java.util.Set.of("other/project")))) {
      GitlabJob job = GitlabJob.of(gitlab);
      // another project (readable, not writable), and three segments below the job's own
      for (String path : List.of("other/project", PROJECT + "/a/b/c")) {
        Command.Result result = build(job, gitlab.address() + "/" + path + ":1",
            Testdata.kind("relx.tar.gz"));

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("relpack: error: the token for " + gitlab.address()
            + " grants no push to " + path + " (credentials from CI_REGISTRY_PASSWORD); a GitLab"
            + " job token may push only to its own project's registry ($CI_REGISTRY_IMAGE and up"
            + " to two path segments below it): give a --to there"), result.stderr());
        assertNeverPrinted(gitlab.jobToken(), result);
        assertFalse(result.stdout().contains("Reading release"), result.stdout());
        assertEquals(List.of(), cacheFiles(), "build work before the refusal");
      }
      assertTrue(gitlab.registry().requests().stream()
          .noneMatch(RegistryServer.Request::isBlobUpload),
          gitlab.registry().requests().toString());
      assertEquals(List.of(), gitlab.registry().repositories());
    }
  }

  @Test
  void aWrongJobTokenIsRefusedNamingTheVariableItCameFrom() throws Exception {
    try (GitlabRegistry gitlab = gitlab(GitlabTokenService.Settings.job(PROJECT))) {
      String wrong = GitlabTokenService.randomToken();
      GitlabJob job = GitlabJob.of(gitlab).with("CI_REGISTRY_PASSWORD", wrong);

      Command.Result result = build(job, gitlab.projectImage() + ":1",
          Testdata.kind("relx.tar.gz"));

      assertEquals(2, result.exitCode(), result.stderr());
      assertTrue(result.stderr().contains("relpack: error: credentials from CI_REGISTRY_PASSWORD"
          + " were refused by " + gitlab.address() + "; a job token is valid only while its job"
          + " runs"), result.stderr());
      assertEquals(1, result.stderr().lines().filter(l -> l.startsWith("relpack: error:")).count(),
          result.stderr());
      assertNeverPrinted(wrong, result);
      assertNeverPrinted(gitlab.jobToken(), result);
      assertEquals(List.of(), cacheFiles());
    }
  }

  @Test
  void noCredentialsSaysWhereItLookedAndDiffersFromARefusal() throws Exception {
    try (GitlabRegistry gitlab = gitlab(GitlabTokenService.Settings.job(PROJECT))) {
      GitlabJob job = GitlabJob.of(gitlab).without("CI_REGISTRY_PASSWORD").without("CI_JOB_TOKEN");

      Command.Result result = build(job, gitlab.projectImage() + ":1",
          Testdata.kind("relx.tar.gz"));

      assertEquals(2, result.exitCode(), result.stderr());
      Path home = work.resolve("home");
      assertTrue(result.stderr().contains("relpack: error: no credentials found for "
          + gitlab.address() + " (looked in: CI_REGISTRY_PASSWORD and CI_JOB_TOKEN (unset or"
          + " empty); " + home.resolve(".docker/config.json") + " (none); "
          + home.resolve(".config/containers/auth.json") + " (none); the GCR and ECR credential"
          + " helpers)"), result.stderr());
      assertFalse(result.stderr().contains("refused"), result.stderr());
      assertEquals(List.of(), cacheFiles());
    }
  }

  @Test
  void aPushThatOutlivesItsTokenGetsANewOneAndCompletes() throws Exception {
    Duration lifetime = Duration.ofSeconds(3);
    long rate = 256 * 1024;
    // a release with a layer that, at the link's rate, takes longer to send than a token lives
    Path release = work.resolve("release");
    Trees.copy(Testdata.kind("relx"), release);
    byte[] noise = new byte[2 * 1024 * 1024];
    new SecureRandom().nextBytes(noise);
    Files.createDirectories(release.resolve("lib/api-3.1.0/priv"));
    Files.write(release.resolve("lib/api-3.1.0/priv/noise.bin"), noise);
    assertTrue(noise.length / rate > lifetime.toSeconds());

    try (GitlabRegistry gitlab = gitlab(GitlabTokenService.Settings.job(PROJECT)
            .withLifetime(lifetime));
        ThrottlingProxy link = ThrottlingProxy.inFrontOf(gitlab.address(), rate)) {
      GitlabJob job = GitlabJob.of(gitlab).with("CI_REGISTRY", link.address())
          .with("CI_REGISTRY_IMAGE", link.address() + "/" + PROJECT);
      String to = link.address() + "/" + PROJECT + ":slow";

      long started = System.nanoTime();
      Path digest = work.resolve("digest");
      Command.Result result = build(job, to, release, "--digest-file", digest.toString());
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertEquals(0, result.exitCode(), result.stderr());
      assertNeverPrinted(gitlab.jobToken(), result);
      assertTrue(link.uploaded() > noise.length, "the layer went through the slow link");
      assertTrue(took.compareTo(lifetime) > 0, "took " + took);
      // the registry refused an upload request whose token had expired, and the push went on
      assertTrue(gitlab.registry().requests().stream().anyMatch(r -> r.isBlobUpload()
          && r.status() == 401), gitlab.registry().requests().toString());
      List<GitlabTokenService.Issued> issued = gitlab.tokens().issued();
      assertTrue(issued.size() > 1, issued.toString());
      assertTrue(Duration.between(issued.get(0).at(), issued.get(issued.size() - 1).at())
          .compareTo(lifetime) >= 0, issued.toString());
      assertTrue(gitlab.registry().requests().stream().anyMatch(r -> r.method().equals("PUT")
          && r.path().equals("/v2/" + PROJECT + "/manifests/slow") && r.status() == 201),
          gitlab.registry().requests().toString());
      assertEquals(Files.readString(digest), Skopeo.inspect("docker://" + gitlab.projectImage()
          + ":slow", GitlabTokenService.JOB_USER + ":" + gitlab.jobToken(), gitlab.certDir())
          .path("Digest").asText());
    }
  }
}
