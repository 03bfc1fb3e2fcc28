package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ToolVersionTest {

  @Test
  void fullVersionComesFromTheBuild() {
    String full = ToolVersion.full();
    assertNotEquals("unknown", full);
    assertTrue(full.matches("\\d+\\.\\d+\\.\\d+(-[A-Za-z0-9.]+)?"), full);
    assertTrue(!full.contains("${"), "version.properties was not filtered: " + full);
  }

  @Test
  void lineIsMajorDotMinor() {
    String line = ToolVersion.line();
    assertTrue(line.matches("\\d+\\.\\d+"), line);
    String[] full = ToolVersion.full().split("[.-]");
    assertEquals(full[0] + "." + full[1], line);
    assertTrue(ToolVersion.full().startsWith(line + "."), ToolVersion.full());
  }
}
