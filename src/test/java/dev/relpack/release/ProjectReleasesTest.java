package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a project's releases are: mix's build path rules, rebar3's base dir, mix's word. */
class ProjectReleasesTest {
  @TempDir Path project;

  private Path release(String relative) throws IOException {
    return Files.createDirectories(project.resolve(relative).resolve("bin"))
        .getParent();
  }

  private Path find(String mixEnv, Map<String, String> environment, String name) {
    return ProjectReleases.mix(project, mixEnv, environment).find(Optional.ofNullable(name));
  }

  @Test
  void theOnlyReleaseOfTheEnvironmentMixRanIn() throws IOException {
    Path staging = release("_build/staging/rel/shop");
    release("_build/prod/rel/other");
    assertEquals(staging, find("staging", Map.of(), null));
  }

  @Test
  void severalReleasesAndNoNameIsOneLineNamingThemAndTheOption() throws IOException {
    release("_build/prod/rel/web");
    release("_build/prod/rel/worker");
    BadInputException e = assertThrows(BadInputException.class, () -> find("prod", Map.of(), null));
    assertEquals(project.resolve("_build/prod/rel") + " holds several releases [web, worker];"
        + " pass {release-name} NAME to choose one", e.getMessage());
  }

  @Test
  void aNameChoosesAmongSeveral() throws IOException {
    release("_build/prod/rel/web");
    Path worker = release("_build/prod/rel/worker");
    assertEquals(worker, find("prod", Map.of(), "worker"));
  }

  @Test
  void aNameThatIsNotThereSaysWhatIsAndHowToMakeIt() throws IOException {
    release("_build/prod/rel/web");
    BadInputException e =
        assertThrows(BadInputException.class, () -> find("prod", Map.of(), "worker"));
    assertEquals("{release-name} worker: no release worker under "
        + project.resolve("_build/prod/rel") + " (it has [web]); run `MIX_ENV=prod mix release"
        + " worker` first, or give {release} PATH", e.getMessage());
  }

  @Test
  void noReleaseSaysHowToMakeOneOrNameOneElsewhere() {
    BadInputException e = assertThrows(BadInputException.class, () -> find("prod", Map.of(), null));
    assertEquals("no release under " + project.resolve("_build/prod/rel") + "; run `MIX_ENV=prod"
        + " mix release` first, or give {release} PATH (also for a release configured with its own"
        + " :path)", e.getMessage());
  }

  @Test
  void filesBesideTheReleasesAreNotReleases() throws IOException {
    Path web = release("_build/prod/rel/web");
    Files.writeString(project.resolve("_build/prod/rel/README"), "not a release");
    assertEquals(web, find("prod", Map.of(), null));
  }

  @Test
  void mixBuildPathIsTheWholeBuildPathAbsoluteOrFromTheProject() throws IOException {
    release("_build/prod/rel/app");
    Path elsewhere = Files.createTempDirectory(project, "ci-cache");
    Path absolute = Files.createDirectories(elsewhere.resolve("rel/app"));
    assertEquals(absolute, find("prod", Map.of("MIX_BUILD_PATH", elsewhere.toString()), null));
    Path relative = release("out/rel/app");
    assertEquals(relative, find("prod", Map.of("MIX_BUILD_PATH", "out"), null));
  }

  @Test
  void mixBuildPathWinsOverMixBuildRoot() throws IOException {
    Path byPath = release("by-path/rel/app");
    release("by-root/prod/rel/app");
    assertEquals(byPath, find("prod",
        Map.of("MIX_BUILD_PATH", "by-path", "MIX_BUILD_ROOT", "by-root"), null));
  }

  @Test
  void mixBuildRootHoldsOneBuildPerEnvironment() throws IOException {
    release("_build/prod/rel/app");
    Path rooted = release("/tmp-root/prod/rel/app".substring(1));
    assertEquals(rooted, find("prod", Map.of("MIX_BUILD_ROOT", "tmp-root"), null));
  }

  @Test
  void aMixTargetOtherThanHostPrefixesTheEnvironment() throws IOException {
    Path host = release("_build/prod/rel/app");
    Path rpi = release("_build/rpi4_prod/rel/app");
    assertEquals(host, find("prod", Map.of("MIX_TARGET", "host"), null));
    assertEquals(rpi, find("prod", Map.of("MIX_TARGET", "rpi4"), null));
  }

  @Test
  void blankVariablesAreUnset() throws IOException {
    Path plain = release("_build/prod/rel/app");
    assertEquals(plain, find("prod",
        Map.of("MIX_BUILD_PATH", "", "MIX_BUILD_ROOT", " ", "MIX_TARGET", ""), null));
  }

  @Test
  void rebar3PutsReleasesUnderItsBaseDirAndProfile() throws IOException {
    Path plain = release("_build/prod/rel/shop");
    Path based = release("base/test/rel/shop");
    assertEquals(plain, ProjectReleases.rebar3(project, "prod", Map.of()).find(Optional.empty()));
    assertEquals(based, ProjectReleases.rebar3(project, "test", Map.of("REBAR_BASE_DIR", "base"))
        .find(Optional.empty()));
    BadInputException e = assertThrows(BadInputException.class,
        () -> ProjectReleases.rebar3(project, "bench", Map.of()).find(Optional.empty()));
    assertEquals("no release under " + project.resolve("_build/bench/rel") + "; run `rebar3 as"
        + " bench release` first, or give {release} PATH (also for a release configured with its"
        + " own :path)", e.getMessage());
  }

  @Test
  void mixsOwnWordRelativeToTheProjectOrAbsolute() {
    assertEquals(Optional.of(project.resolve("_build/prod/rel/demo")), ProjectReleases.announced(
        List.of("* building x.tar.gz", "", "Release created at _build/prod/rel/demo", "",
            "    # To start your system", "    _build/prod/rel/demo/bin/demo start"), project));
    assertEquals(Optional.of(Path.of("/srv/releases/shop")), ProjectReleases.announced(
        List.of("Release created at /srv/releases/shop"), project));
  }

  @Test
  void rebar3sOwnWordInItsColours() {
    assertEquals(Optional.of(project.resolve("_build/prod/rel/shop")), ProjectReleases.announced(
        List.of("\u001B[0;32m===> Assembling release shop-0.1.0...",
            "\u001B[0m\u001B[0;32m===> Release successfully assembled: _build/prod/rel/shop",
            "\u001B[0m"), project));
  }

  @Test
  void mixsOwnWordInColourAndWithTrailingSpace() {
    assertEquals(Optional.of(project.resolve("rel dir/app")), ProjectReleases.announced(
        List.of("\u001B[32mRelease created at rel dir/app\u001B[0m  "), project));
  }

  @Test
  void theLastReleaseMixAnnouncedAndNoneWhenItSaidNothing() {
    assertEquals(Optional.of(project.resolve("b")), ProjectReleases.announced(
        List.of("Release created at a", "Release created at b"), project));
    assertEquals(Optional.empty(), ProjectReleases.announced(
        List.of("  mix | Release created at a", "Release created at"), project));
  }
}
