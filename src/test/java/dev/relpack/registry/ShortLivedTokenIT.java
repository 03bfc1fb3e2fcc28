package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.GitlabRegistry;
import dev.relpack.testsupport.GitlabTokenService;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.ThrottlingProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * relpack's own registry calls (here: tagging a pushed manifest several times over one
 * connection's worth of requests) outliving a GitLab-style token that carries no {@code
 * expires_in}: the registry refuses the expired token, a new one is asked for and the call
 * completes. The link to the registry is slowed so the requests take longer than the token
 * lives; the token server is reached directly, as a job reaches GitLab.
 */
class ShortLivedTokenIT {
  private static final String PROJECT = "group/project";
  @TempDir Path work;

  @Test
  void taggingThatOutlivesItsTokenAsksForAnotherAndTagsEverything() {
    Duration lifetime = Duration.ofSeconds(3);
    try (GitlabRegistry gitlab = GitlabTokenService.startWithRegistry(work.resolve("gitlab"),
        GitlabTokenService.Settings.job(PROJECT).withLifetime(lifetime))) {
      String credentials = GitlabTokenService.JOB_USER + ":" + gitlab.jobToken();
      Path layout = work.resolve("layout");
      Command.run(List.of("sh", "-c", "umoci init --layout " + layout + " && umoci new --image "
          + layout + ":t"), Map.of(), Duration.ofSeconds(60)).requireSuccess();
      Command.run(List.of("skopeo", "--insecure-policy", "copy", "--dest-creds", credentials,
          "--dest-cert-dir", gitlab.certDir().toString(), "oci:" + layout + ":t",
          "docker://" + gitlab.projectImage() + ":first"), Map.of(), Duration.ofSeconds(60))
          .requireSuccess();
      String digest = Skopeo.inspect("docker://" + gitlab.projectImage() + ":first", credentials,
          gitlab.certDir()).path("Digest").asText();
      int before = gitlab.tokens().issued().size();
      List<String> tags = List.of("t1", "t2", "t3", "t4", "t5", "t6");

      // each request (about 2 kB with its token) takes under a second; all of them (about 10 s
      // here), several times the token's life
      try (ThrottlingProxy link = ThrottlingProxy.inFrontOf(gitlab.address(), 4 * 1024)) {
        RegistryAccess access = new RegistryAccess(false,
            TlsTrust.withExtra(List.of(gitlab.caFile())));
        long started = System.nanoTime();
        new RegistryReader(access, registry -> RegistryProbe.Transport.HTTPS,
            Duration.ofSeconds(30), ReadLimits.DEFAULT).tagger().tag(
                ImageReference.of(link.address(), PROJECT, null),
                Optional.of(Credential.from(GitlabTokenService.JOB_USER, gitlab.jobToken())),
                digest, tags);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(lifetime) > 0, "took " + took);
      }
      // a pull token for the GET, a push token for the first PUT, then at least one more
      List<GitlabTokenService.Issued> tagging = gitlab.tokens().issued().subList(before,
          gitlab.tokens().issued().size());
      assertTrue(tagging.size() >= 3, tagging.toString());

      for (String tag : tags) {
        assertEquals(digest, Skopeo.inspect("docker://" + gitlab.projectImage() + ":" + tag,
            credentials, gitlab.certDir()).path("Digest").asText(), tag);
      }
    }
  }
}
