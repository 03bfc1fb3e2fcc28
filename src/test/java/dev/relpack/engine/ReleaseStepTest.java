package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which release a project build uses: mix's word, else the step's environment and name. */
class ReleaseStepTest {
  @TempDir Path project;

  private Path dir(String relative) throws IOException {
    return Files.createDirectories(project.resolve(relative));
  }

  @Test
  void whatMixSaidItMadeWinsOverTheConventionalPlaces() throws IOException {
    Files.writeString(project.resolve("mix.exs"), "");
    dir("_build/prod/rel/web");
    dir("_build/prod/rel/worker");
    Path configured = dir("releases/shop");
    assertEquals(configured, ReleaseStep.NONE.release(project, Map.of(), Optional.of(configured)));
  }

  @Test
  void whatMixSaidItMadeMustExist() {
    Path missing = project.resolve("gone");
    BadInputException e = assertThrows(BadInputException.class,
        () -> ReleaseStep.NONE.release(project, Map.of(), Optional.of(missing)));
    assertEquals("mix said it made the release at " + missing + ", but there is no directory"
        + " there; give the release with {release} PATH", e.getMessage());
  }

  @Test
  void theMixEnvOfTheStepThenTheEnvironmentsThenProd() throws IOException {
    Files.writeString(project.resolve("mix.exs"), "");
    Path prod = dir("_build/prod/rel/app");
    Path staging = dir("_build/staging/rel/app");
    Path dev = dir("_build/dev/rel/app");
    ReleaseStep staged = ReleaseStep.existing(Optional.of("staging"), Optional.empty());
    assertEquals(staging, staged.release(project, Map.of("MIX_ENV", "dev"), Optional.empty()));
    assertEquals(dev, ReleaseStep.NONE.release(project, Map.of("MIX_ENV", "dev"),
        Optional.empty()));
    assertEquals(prod, ReleaseStep.NONE.release(project, Map.of(), Optional.empty()));
  }

  @Test
  void theReleaseNameChoosesAmongSeveral() throws IOException {
    Files.writeString(project.resolve("mix.exs"), "");
    dir("_build/prod/rel/web");
    Path worker = dir("_build/prod/rel/worker");
    assertEquals(worker, ReleaseStep.existing(Optional.empty(), Optional.of("worker"))
        .release(project, Map.of(), Optional.empty()));
  }

  @Test
  void aRebar3ProjectLooksUnderItsProfile() throws IOException {
    Files.writeString(project.resolve("rebar.config"), "{relx, []}.\n");
    dir("_build/prod/rel/ignored-mix-style-is-the-same-place");
    Path bench = dir("_build/bench/rel/shop");
    ReleaseStep step = new ReleaseStep(false, Optional.of("prod"), true, Optional.empty(), "bench");
    assertEquals(bench, step.release(project, Map.of(), Optional.empty()));
  }
}
