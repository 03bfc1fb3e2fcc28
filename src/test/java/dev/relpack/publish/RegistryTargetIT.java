package dev.relpack.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.RegistryException;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tagging an image a registry already holds, on the real registry: the manifest is fetched by
 * digest and put under each tag, nothing else is uploaded, and skopeo sees every tag at that
 * digest.
 */
class RegistryTargetIT {
  private static final String PASSWORD = "tag-s3cret";
  @TempDir Path work;

  /** An image of umoci's (a config and no layers), pushed by skopeo as {@code to}. */
  private String push(String to, List<String> credentials) {
    Path layout = work.resolve("layout");
    Command.run(List.of("sh", "-c", "umoci init --layout " + layout + " && umoci new --image "
        + layout + ":t"), Map.of(), Duration.ofSeconds(60)).requireSuccess();
    List<String> copy = new ArrayList<>(List.of("skopeo", "copy", "--dest-tls-verify=false"));
    copy.addAll(credentials);
    copy.addAll(List.of("oci:" + layout + ":t", "docker://" + to));
    Command.run(copy, Map.of(), Duration.ofSeconds(60)).requireSuccess();
    return digestOf(to, credentials);
  }

  private static String digestOf(String image, List<String> credentials) {
    List<String> inspect = new ArrayList<>(List.of("skopeo", "inspect", "--tls-verify=false",
        "--format", "{{.Digest}}"));
    inspect.addAll(credentials.stream().map(c -> c.equals("--dest-creds") ? "--creds" : c).toList());
    inspect.add("docker://" + image);
    return Command.run(inspect, Map.of(), Duration.ofSeconds(60)).requireSuccess().stdout().trim();
  }

  @Test
  void anImageInTheRegistryGetsEachTagAndNothingIsUploadedAgain() {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String digest = push(registry.address() + "/app:first", List.of());
      int before = registry.requests().size();
      List<String> warnings = new ArrayList<>();
      RegistryTarget target = new RegistryTarget(
          ImageReference.of(registry.address(), "app", "first"), List.of("first"));

      target.tag(digest, List.of("1.0", "latest"), access(Map.of(), warnings));

      assertEquals(List.of("1.0", "first", "latest"),
          registry.tags("app").stream().sorted().toList());
      for (String tag : List.of("1.0", "latest")) {
        assertEquals(digest, digestOf(registry.address() + "/app:" + tag, List.of()), tag);
      }
      List<RegistryServer.Request> tagging = registry.requests().subList(before,
          registry.requests().size());
      assertTrue(tagging.stream().noneMatch(RegistryServer.Request::isBlobUpload), tagging.toString());
      assertEquals(2, tagging.stream().filter(r -> r.method().equals("PUT")
          && r.path().startsWith("/v2/app/manifests/") && r.status() == 201).count(),
          tagging.toString());
      assertEquals(List.of(), warnings);
    }
  }

  @Test
  void aTagThatNamesTheImageAlreadyIsNotWrittenAgainAndAnotherOneMoves() {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String digest = push(registry.address() + "/app:first", List.of());
      // the same image as a Docker manifest: another digest under the tag to move
      Command.run(List.of("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
          "--format", "v2s2", "docker://" + registry.address() + "/app:first",
          "docker://" + registry.address() + "/app:other"), Map.of(), Duration.ofSeconds(60))
          .requireSuccess();
      assertTrue(!digestOf(registry.address() + "/app:other", List.of()).equals(digest));
      RegistryTarget target = new RegistryTarget(
          ImageReference.of(registry.address(), "app", "first"), List.of("first"));
      int before = registry.requests().size();

      target.tag(digest, List.of("first"), access(Map.of(), new ArrayList<>()));
      List<RegistryServer.Request> unchanged = registry.requests().subList(before,
          registry.requests().size());
      assertTrue(unchanged.stream().allMatch(r -> r.method().equals("HEAD")),
          unchanged.toString());

      target.tag(digest, List.of("first", "other"), access(Map.of(), new ArrayList<>()));
      assertEquals(digest, digestOf(registry.address() + "/app:other", List.of()));
      List<RegistryServer.Request> moved = registry.requests().subList(before,
          registry.requests().size());
      assertEquals(List.of("/v2/app/manifests/other"), moved.stream()
          .filter(r -> r.method().equals("PUT")).map(RegistryServer.Request::path).toList());
    }
  }

  @Test
  void aRegistryThatAsksForCredentialsGetsThemForThePutToo() {
    try (RegistryServer registry = RegistryServer.startWithAuth(work.resolve("registry"), "ci",
        PASSWORD)) {
      List<String> creds = List.of("--dest-creds", "ci:" + PASSWORD);
      String digest = push(registry.address() + "/secure/app:first", creds);
      List<String> warnings = new ArrayList<>();
      RegistryTarget target = new RegistryTarget(
          ImageReference.of(registry.address(), "secure/app", "first"), List.of("first"));
      Map<String, String> gitlab = Map.of("CI_REGISTRY", registry.address(),
          "CI_REGISTRY_USER", "ci", "CI_REGISTRY_PASSWORD", PASSWORD);

      RegistryException anonymous = assertThrows(RegistryException.class,
          () -> target.tag(digest, List.of("2.0"), access(Map.of(), warnings)));
      assertTrue(anonymous.getMessage().contains("check the credentials"), anonymous.getMessage());

      target.tag(digest, List.of("2.0"), access(gitlab, warnings));
      assertEquals(digest, digestOf(registry.address() + "/secure/app:2.0", creds));
      assertTrue(warnings.stream().noneMatch(w -> w.contains(PASSWORD)), warnings.toString());
    }
  }

  @Test
  void aDigestTheRegistryDoesNotHoldIsAnErrorAndNoTagIsMade() {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      push(registry.address() + "/app:first", List.of());
      RegistryTarget target = new RegistryTarget(
          ImageReference.of(registry.address(), "app", "first"), List.of("first"));
      String missing = "sha256:" + "a".repeat(64);

      RegistryException e = assertThrows(RegistryException.class,
          () -> target.tag(missing, List.of("ghost"), access(Map.of(), new ArrayList<>())));
      assertEquals("registry " + registry.address() + " answered HTTP 404 for the manifest "
          + missing + " of " + registry.address() + "/app, which was to be tagged", e.getMessage());
      assertEquals(List.of("first"), registry.tags("app"));
    }
  }

  private TargetAccess access(Map<String, String> env, List<String> warnings) {
    return TestAccess.registries(work, env, work.resolve("home"), warnings);
  }
}
