package dev.relpack.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsTest {
  @TempDir Path home;
  @TempDir Path elsewhere;
  private final List<LogEvent> log = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private Optional<Credential> credential(Map<String, String> env, String image) throws Exception {
    return new RegistryCredentials(env, home, warnings::add).credential(ImageReference.parse(image), log::add);
  }

  private static void assertCredential(String user, String password, Optional<Credential> found) {
    assertTrue(found.isPresent(), "no credential found");
    assertEquals(user, found.get().getUsername());
    assertEquals(password, found.get().getPassword());
  }

  /** Writes a Docker/containers style auth file with one {@code auths} entry. */
  private static Path authFile(Path file, String registry, String user, String password)
      throws Exception {
    Files.createDirectories(file.getParent());
    String auth = Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
    Files.writeString(file, "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");
    return file;
  }

  private void assertNoSecretLogged(String... secrets) {
    List<String> said = new ArrayList<>(warnings);
    log.forEach(event -> said.add(event.getMessage()));
    for (String message : said) {
      for (String secret : secrets) {
        assertFalse(message.contains(secret), message);
      }
    }
  }

  // --- GitLab CI

  @Test
  void gitLabRegistryUserAndPassword() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_REGISTRY_USER", "gitlab-ci-token", "CI_REGISTRY_PASSWORD", "s3cret-pw",
        "CI_JOB_TOKEN", "job-token");
    assertCredential("gitlab-ci-token", "s3cret-pw",
        credential(env, "registry.gitlab.example.com/group/app:1.0"));
    assertNoSecretLogged("s3cret-pw", "job-token");
  }

  @Test
  void gitLabJobTokenWhenThereIsNoRegistryPassword() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_JOB_TOKEN", "job-token");
    assertCredential("gitlab-ci-token", "job-token",
        credential(env, "registry.gitlab.example.com/group/app"));
  }

  @Test
  void gitLabRegistryWithoutAnyPasswordGivesNothing() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_REGISTRY_USER", "someone");
    assertEquals(Optional.empty(), credential(env, "registry.gitlab.example.com/group/app"));
  }

  @Test
  void port443IsTheSameRegistryAsNoPortBothWays() throws Exception {
    Map<String, String> withPort = Map.of("CI_REGISTRY", "registry.gitlab.example.com:443",
        "CI_REGISTRY_USER", "u", "CI_REGISTRY_PASSWORD", "p");
    assertCredential("u", "p", credential(withPort, "registry.gitlab.example.com/group/app"));
    Map<String, String> withoutPort = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_REGISTRY_USER", "u", "CI_REGISTRY_PASSWORD", "p");
    assertCredential("u", "p", credential(withoutPort, "registry.gitlab.example.com:443/group/app"));
  }

  @Test
  void otherPortsAreOtherRegistries() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "registry.gitlab.example.com:5050",
        "CI_REGISTRY_USER", "u", "CI_REGISTRY_PASSWORD", "p");
    assertEquals(Optional.empty(), credential(env, "registry.gitlab.example.com/group/app"));
    assertCredential("u", "p", credential(env, "registry.gitlab.example.com:5050/group/app"));
  }

  @Test
  void registryNamesCompareCaseInsensitively() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "Registry.GitLab.Example.COM",
        "CI_REGISTRY_USER", "u", "CI_REGISTRY_PASSWORD", "p");
    assertCredential("u", "p", credential(env, "registry.gitlab.example.com/group/app"));
    assertTrue(RegistryCredentials.sameRegistry(" REGISTRY.example.com:443 ", "registry.example.com"));
    assertFalse(RegistryCredentials.sameRegistry(null, "registry.example.com"));
    assertFalse(RegistryCredentials.sameRegistry("  ", "registry.example.com"));
  }

  @Test
  void anotherRegistryGetsNoGitLabCredentials() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_REGISTRY_USER", "u", "CI_REGISTRY_PASSWORD", "p", "CI_JOB_TOKEN", "t",
        "CI_DEPENDENCY_PROXY_SERVER", "gitlab.example.com:443",
        "CI_DEPENDENCY_PROXY_USER", "proxy-user", "CI_DEPENDENCY_PROXY_PASSWORD", "proxy-pw");
    assertEquals(Optional.empty(), credential(env, "registry.other.example.com/group/app"));
    assertEquals(Optional.empty(), credential(env, "gitlab.example.com.evil.example/group/app"));
  }

  @Test
  void gitLabDependencyProxy() throws Exception {
    Map<String, String> env = Map.of("CI_DEPENDENCY_PROXY_SERVER", "gitlab.example.com:443",
        "CI_DEPENDENCY_PROXY_USER", "proxy-user", "CI_DEPENDENCY_PROXY_PASSWORD", "proxy-pw");
    assertCredential("proxy-user", "proxy-pw",
        credential(env, "gitlab.example.com:443/group/dependency_proxy/containers/alpine:3.20"));
    assertCredential("proxy-user", "proxy-pw",
        credential(env, "gitlab.example.com/group/dependency_proxy/containers/alpine:3.20"));
    assertNoSecretLogged("proxy-pw");
  }

  @Test
  void dependencyProxyNeedsBothUserAndPassword() throws Exception {
    Map<String, String> env = Map.of("CI_DEPENDENCY_PROXY_SERVER", "gitlab.example.com",
        "CI_DEPENDENCY_PROXY_USER", "proxy-user");
    assertEquals(Optional.empty(), credential(env, "gitlab.example.com/group/dependency_proxy/containers/alpine"));
  }

  @Test
  void registryAndDependencyProxyOnOneHostUseTheRegistryCredentials() throws Exception {
    Map<String, String> env = Map.of("CI_REGISTRY", "gitlab.example.com",
        "CI_REGISTRY_USER", "u", "CI_REGISTRY_PASSWORD", "p",
        "CI_DEPENDENCY_PROXY_SERVER", "gitlab.example.com",
        "CI_DEPENDENCY_PROXY_USER", "proxy-user", "CI_DEPENDENCY_PROXY_PASSWORD", "proxy-pw");
    assertCredential("u", "p", credential(env, "gitlab.example.com/group/app"));
  }

  // --- files

  @Test
  void dockerConfigFromDockerConfigDirectory() throws Exception {
    authFile(elsewhere.resolve("config.json"), "registry.example.com:5000", "docker-user", "docker-pw");
    Map<String, String> env = Map.of("DOCKER_CONFIG", elsewhere.toString());
    assertCredential("docker-user", "docker-pw", credential(env, "registry.example.com:5000/app:1"));
    assertEquals(Optional.empty(), credential(env, "registry.example.com:5001/app:1"));
    assertNoSecretLogged("docker-pw");
  }

  @Test
  void aRegistrysCredentialIsLookedUpOncePerBuildAndNotShared() throws Exception {
    Path config = home.resolve(".docker/config.json");
    authFile(config, "registry.example.com", "home-user", "home-pw");
    RegistryCredentials build = new RegistryCredentials(Map.of(), home, warnings::add);
    assertCredential("home-user", "home-pw",
        build.credential(ImageReference.parse("registry.example.com/app"), log::add));
    Files.delete(config);
    assertCredential("home-user", "home-pw", build.credential(
        ImageReference.parse("registry.example.com/other:2"), log::add));
    assertCredential("home-user", "home-pw",
        build.retriever(ImageReference.parse("registry.example.com/app"), log::add).retrieve());
    assertEquals(Optional.empty(), credential(Map.of(), "registry.example.com/app"),
        "a new build looks again");
  }

  @Test
  void anUnreadableConfigJsonIsSaidOnceAndTheOtherSourcesStillCount() throws Exception {
    Path config = Files.writeString(elsewhere.resolve("config.json"), "{\"auths\": s3cret-not-json");
    authFile(home.resolve(".config/containers/auth.json"), "registry.example.com", "podman-user", "podman-pw");
    RegistryCredentials build =
        new RegistryCredentials(Map.of("DOCKER_CONFIG", elsewhere.toString()), home, warnings::add);
    ImageReference image = ImageReference.parse("registry.example.com/app");
    assertCredential("podman-user", "podman-pw", build.retriever(image, log::add).retrieve());
    assertCredential("podman-user", "podman-pw", build.credential(image, log::add));
    assertEquals(Optional.empty(),
        build.credential(ImageReference.parse("registry.example.com:5000/app"), log::add));
    assertEquals(List.of(config + " cannot be read as JSON: its credentials are ignored; fix or"
        + " remove it"), warnings, "said once, for two registries");
    assertNoSecretLogged("s3cret");
  }

  @Test
  void dockerConfigInTheHomeDirectoryWithoutDockerConfig() throws Exception {
    authFile(home.resolve(".docker/config.json"), "registry.example.com", "home-user", "home-pw");
    assertCredential("home-user", "home-pw", credential(Map.of(), "registry.example.com/app"));
  }

  @Test
  void dockerConfigReplacesTheHomeDirectoryOne() throws Exception {
    authFile(home.resolve(".docker/config.json"), "registry.example.com", "home-user", "home-pw");
    Map<String, String> env = Map.of("DOCKER_CONFIG", elsewhere.toString());
    assertEquals(Optional.empty(), credential(env, "registry.example.com/app"));
  }

  @Test
  void containersAuthJsonInTheHomeDirectory() throws Exception {
    authFile(home.resolve(".config/containers/auth.json"), "quay.example.com", "podman-user", "podman-pw");
    assertCredential("podman-user", "podman-pw", credential(Map.of(), "quay.example.com/team/app:2"));
  }

  @Test
  void containersAuthJsonFromRegistryAuthFileAndRuntimeDir() throws Exception {
    Path authFile = authFile(elsewhere.resolve("auth/file.json"), "a.example.com", "a-user", "a-pw");
    authFile(elsewhere.resolve("run/containers/auth.json"), "b.example.com", "b-user", "b-pw");
    Map<String, String> env = Map.of("REGISTRY_AUTH_FILE", authFile.toString(),
        "XDG_RUNTIME_DIR", elsewhere.resolve("run").toString());
    assertCredential("a-user", "a-pw", credential(env, "a.example.com/app"));
    assertCredential("b-user", "b-pw", credential(env, "b.example.com/app"));
  }

  @Test
  void dockerConfigComesBeforeContainersAuthJson() throws Exception {
    authFile(elsewhere.resolve("config.json"), "registry.example.com", "docker-user", "docker-pw");
    authFile(home.resolve(".config/containers/auth.json"), "registry.example.com", "podman-user", "podman-pw");
    Map<String, String> env = Map.of("DOCKER_CONFIG", elsewhere.toString());
    assertCredential("docker-user", "docker-pw", credential(env, "registry.example.com/app"));
  }

  @Test
  void gitLabVariablesComeFirst() throws Exception {
    authFile(elsewhere.resolve("config.json"), "registry.gitlab.example.com", "docker-user", "docker-pw");
    authFile(home.resolve(".config/containers/auth.json"), "registry.gitlab.example.com", "podman-user", "podman-pw");
    Map<String, String> env = new HashMap<>(Map.of("DOCKER_CONFIG", elsewhere.toString()));
    assertCredential("docker-user", "docker-pw", credential(env, "registry.gitlab.example.com/group/app"));

    env.putAll(Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_REGISTRY_USER", "ci-user", "CI_REGISTRY_PASSWORD", "ci-pw"));
    assertCredential("ci-user", "ci-pw", credential(env, "registry.gitlab.example.com/group/app"));
    assertEquals(4, new RegistryCredentials(env, home, warnings::add)
        .retrievers(ImageReference.parse("registry.gitlab.example.com/group/app"), log::add).size(),
        "GitLab, config.json, auth.json, well-known helpers");
  }

  @Test
  void nothingConfiguredGivesNothing() throws Exception {
    assertEquals(Optional.empty(), credential(Map.of(), "registry.example.com/app"));
    assertEquals(1, new RegistryCredentials(Map.of(), home, warnings::add)
        .retrievers(ImageReference.parse("registry.example.com/app"), log::add).size(),
        "only the well-known helpers when no file exists");
  }

  @Test
  void theEnvironmentIsCopied() throws Exception {
    Map<String, String> env = new HashMap<>();
    RegistryCredentials credentials = new RegistryCredentials(env, home, warnings::add);
    env.putAll(Map.of("CI_REGISTRY", "registry.example.com", "CI_JOB_TOKEN", "t"));
    assertEquals(Optional.empty(),
        credentials.credential(ImageReference.parse("registry.example.com/app"), log::add));
  }

  // --- logins a front end passes (Maven's settings.xml servers)

  @Test
  void aFrontEndsLoginCountsForItsRegistryOnly() throws Exception {
    RegistryCredentials credentials = new RegistryCredentials(Map.of(), home, warnings::add,
        List.of(new RegistryLogin("Registry.Example.com:443", "mvn-user", "mvn-pw", "settings.xml")));
    assertCredential("mvn-user", "mvn-pw",
        credentials.credential(ImageReference.parse("registry.example.com/app"), log::add));
    assertEquals(Optional.empty(),
        credentials.credential(ImageReference.parse("other.example.com/app"), log::add));
    assertNoSecretLogged("mvn-pw");
  }

  @Test
  void aFrontEndsLoginComesAfterEverySourceReadHere() throws Exception {
    authFile(home.resolve(".docker/config.json"), "registry.example.com", "docker-user", "docker-pw");
    RegistryCredentials credentials = new RegistryCredentials(Map.of(), home, warnings::add,
        List.of(new RegistryLogin("registry.example.com", "mvn-user", "mvn-pw", "settings.xml")));
    assertCredential("docker-user", "docker-pw",
        credentials.credential(ImageReference.parse("registry.example.com/app"), log::add));
  }

  // --- where a credential came from, and where one was looked for

  private Optional<RegistryCredentials.Sourced> sourced(RegistryCredentials credentials,
      String image) throws Exception {
    return credentials.sourced(ImageReference.parse(image), log::add);
  }

  @Test
  void aCredentialNamesTheVariableFileOrLoginItCameFrom() throws Exception {
    String image = "registry.gitlab.example.com/group/app";
    Map<String, String> gitlab = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_REGISTRY_PASSWORD", "s3cret-pw", "CI_JOB_TOKEN", "job-token");
    assertEquals("CI_REGISTRY_PASSWORD", sourced(new RegistryCredentials(gitlab, home,
        warnings::add), image).orElseThrow().source());
    Map<String, String> jobToken = Map.of("CI_REGISTRY", "registry.gitlab.example.com",
        "CI_JOB_TOKEN", "job-token");
    assertEquals("CI_JOB_TOKEN", sourced(new RegistryCredentials(jobToken, home,
        warnings::add), image).orElseThrow().source());
    Path config = authFile(elsewhere.resolve("docker/config.json"), "registry.example.com",
        "docker-user", "docker-pw");
    assertEquals(config.toString(), sourced(new RegistryCredentials(
        Map.of("DOCKER_CONFIG", config.getParent().toString()), home, warnings::add),
        "registry.example.com/app").orElseThrow().source());
    RegistryCredentials withLogin = new RegistryCredentials(Map.of(), home, warnings::add,
        List.of(new RegistryLogin("registry.example.com", "u", "mvn-pw",
            "Maven settings.xml <server> registry.example.com")));
    RegistryCredentials.Sourced login = sourced(withLogin, "registry.example.com/app")
        .orElseThrow();
    assertEquals("Maven settings.xml <server> registry.example.com", login.source());
    assertFalse(login.toString().contains("mvn-pw"), login.toString());
  }

  @Test
  void whereCredentialsWereLookedForIsEverySourceInOrder() throws Exception {
    Path auth = authFile(home.resolve(".config/containers/auth.json"), "other.example.com", "u",
        "p");
    RegistryCredentials credentials = new RegistryCredentials(
        Map.of("CI_REGISTRY", "gitlab.example.com", "DOCKER_CONFIG", elsewhere.toString()),
        home, warnings::add, List.of(
            new RegistryLogin("registry.example.com", "u", "p", "settings.xml <server> mine"),
            new RegistryLogin("else.example.com", "u", "p", "settings.xml <server> else")));
    assertEquals(List.of("CI_REGISTRY_PASSWORD (only for CI_REGISTRY, which is"
            + " gitlab.example.com)", elsewhere.resolve("config.json") + " (none)",
            auth.toString(), "the GCR and ECR credential helpers", "settings.xml <server> mine"),
        credentials.lookedIn("registry.example.com"));
    assertEquals("CI_REGISTRY_PASSWORD and CI_JOB_TOKEN (unset or empty)",
        credentials.lookedIn("gitlab.example.com").get(0));
    assertEquals("CI_REGISTRY_PASSWORD (only for CI_REGISTRY, which is unset)",
        new RegistryCredentials(Map.of(), home, warnings::add).lookedIn("x.example.com").get(0));
  }
}
