package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LayerEntryTest {
  private static final Path SOURCE = Path.of("/cache/x");

  @Test
  void plainFilesAre0644() {
    assertEquals("644", new LayerEntry(SOURCE, "/app/releases/COOKIE", false, false).octalMode());
  }

  @Test
  void executablesAre0755() {
    assertEquals("755", new LayerEntry(SOURCE, "/app/bin/demo", false, true).octalMode());
  }

  @Test
  void directoriesAre0755WhateverTheirExecutableFlag() {
    assertEquals("755", new LayerEntry(SOURCE, "/app/lib", true, false).octalMode());
    assertEquals("755", new LayerEntry(SOURCE, "/app/lib", true, true).octalMode());
  }
}
