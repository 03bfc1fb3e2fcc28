package dev.relpack.maven;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README shows the sample pom MavenGoalIT builds, as it is, so what users copy is tested. */
class SamplePomInReadmeTest {
  @Test
  void readmeShowsTheTestedSamplePomVerbatim() throws Exception {
    String pom = Files.readString(Path.of("testdata/maven/pom.xml"));
    String readme = Files.readString(Path.of("README.md"));
    assertTrue(readme.contains("```xml\n" + pom + "```\n"),
        "README's pom example must be testdata/maven/pom.xml, unchanged");
  }
}
