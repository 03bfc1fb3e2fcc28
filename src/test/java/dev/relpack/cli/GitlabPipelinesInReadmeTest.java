package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README shows each pipeline of src/gitlab/ as it is (GitlabPipelinesIT runs those files), so
 * what users paste into .gitlab-ci.yml is what the tests ran.
 */
class GitlabPipelinesInReadmeTest {
  @Test
  void readmeShowsEveryTestedPipelineVerbatim() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    List<Path> pipelines;
    try (Stream<Path> files = Files.list(Path.of("src/gitlab"))) {
      pipelines = files.filter(f -> f.toString().endsWith(".gitlab-ci.yml")).sorted().toList();
    }
    assertEquals(3, pipelines.size(), "two jobs, one Debian job, one Alpine job");
    for (Path pipeline : pipelines) {
      assertTrue(readme.contains("```yaml\n" + Files.readString(pipeline) + "```\n"),
          "README must show " + pipeline + " unchanged, in a yaml block");
    }
  }
}
