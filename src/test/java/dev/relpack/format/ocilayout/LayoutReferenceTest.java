package dev.relpack.format.ocilayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LayoutReferenceTest {
  @Test
  void aColonAfterTheLastSlashNamesTheRef() {
    assertEquals(new LayoutReference(Path.of("out/layout"), Optional.of("v1")),
        LayoutReference.parse("out/layout:v1", "--to"));
  }

  @Test
  void aColonInADirectoryNameIsPartOfThePath() {
    assertEquals(new LayoutReference(Path.of("a:b/layout"), Optional.empty()),
        LayoutReference.parse("a:b/layout", "--from"));
  }

  @Test
  void noDirectoryIsBadInputNamingTheOption() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> LayoutReference.parse("", "--from"));
    assertEquals("--from oci: names no directory", e.getMessage());
  }
}
