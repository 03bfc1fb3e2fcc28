package dev.relpack.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageNamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"latest", "1.0.0", "v1.0.0-rc.1", "_x", "1.0.0_build.5", "A_b-C.d"})
  void validTagsHaveNoProblem(String tag) {
    assertEquals(Optional.empty(), ImageNames.tagProblem(tag));
  }

  @Test
  void theLongestTagIs128Characters() {
    assertEquals(Optional.empty(), ImageNames.tagProblem("a".repeat(128)));
    assertEquals("is 129 characters long; " + ImageNames.TAG_RULE,
        ImageNames.tagProblem("a".repeat(129)).orElseThrow());
  }

  @Test
  void eachProblemNamesWhatIsWrongAndTheRule() {
    assertEquals("is empty (a CI variable that is not set in this job, perhaps)",
        ImageNames.tagProblem("").orElseThrow());
    assertEquals("starts with '-'; " + ImageNames.TAG_RULE, ImageNames.tagProblem("-x").orElseThrow());
    assertEquals("starts with '.'; " + ImageNames.TAG_RULE, ImageNames.tagProblem(".x").orElseThrow());
    assertEquals("holds '+', which a tag cannot; " + ImageNames.TAG_RULE,
        ImageNames.tagProblem("v1+build").orElseThrow());
    assertEquals("holds a space or control character, which a tag cannot; " + ImageNames.TAG_RULE,
        ImageNames.tagProblem("v 1").orElseThrow());
    assertTrue(ImageNames.TAG_RULE.contains("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"worker", "tools/worker", "a.b", "a_b", "a__b", "a---b", "x1/y2"})
  void validPathsHaveNoProblem(String path) {
    assertEquals(Optional.empty(), ImageNames.pathProblem(path));
  }

  @Test
  void pathProblemsNameTheComponent() {
    assertTrue(ImageNames.pathProblem("tools/Worker").orElseThrow()
        .startsWith("has upper-case letters in Worker;"));
    assertTrue(ImageNames.pathProblem("tools/a___b").orElseThrow()
        .startsWith("has an invalid path component a___b;"));
    assertTrue(ImageNames.pathProblem("a//b").orElseThrow().startsWith("has an empty path component"));
  }
}
