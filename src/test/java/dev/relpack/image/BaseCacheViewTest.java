package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The base cache jib is given: the shared cache's layers, this user's own manifests. */
class BaseCacheViewTest {
  @TempDir Path work;

  @Test
  void aViewInPrivateStateLinksTheSharedLayersAndKeepsItsOwnImages() throws Exception {
    Path shared = work.resolve("cache/jib/base");
    Path state = work.resolve("state/jib-base");
    Path dir;
    try (BaseCacheView view = BaseCacheView.of(shared, Optional.of(state))) {
      dir = view.dir();
      assertTrue(dir.startsWith(state), dir.toString());
      for (String name : new String[] {"layers", "local", "tmp"}) {
        assertTrue(Files.isSymbolicLink(dir.resolve(name)), name);
        assertEquals(shared.toAbsolutePath().resolve(name),
            Files.readSymbolicLink(dir.resolve(name)));
      }
      assertFalse(Files.exists(dir.resolve("images")), "jib makes its own there");
    }
    assertTrue(Files.isDirectory(dir), "kept for the next build");
    // the same cache spelled another way is the same view, links and all
    Path roundabout = work.resolve("cache/jib/../jib/base");
    try (BaseCacheView view = BaseCacheView.of(roundabout, Optional.of(state))) {
      assertEquals(dir, view.dir());
    }
    try (BaseCacheView view = BaseCacheView.of(work.resolve("other/jib/base"),
        Optional.of(state))) {
      assertNotEquals(dir, view.dir(), "another cache, another view");
    }
  }

  @Test
  void withoutAWritableStateAPrivateViewServesOneBuildAndGoes() throws Exception {
    Path shared = work.resolve("cache/jib/base");
    Path state = Files.writeString(work.resolve("not-a-directory"), "a file");
    Path dir;
    try (BaseCacheView view = BaseCacheView.of(shared, Optional.of(state))) {
      dir = view.dir();
      assertFalse(dir.startsWith(work), "not in the cache, where others may write: " + dir);
      assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir)));
      assertTrue(Files.isSymbolicLink(dir.resolve("layers")));
      Files.writeString(Files.createDirectories(shared.resolve("layers/x")).resolve("blob"), "b");
    }
    assertFalse(Files.exists(dir), "removed after the build");
    assertTrue(Files.exists(shared.resolve("layers/x/blob")), "what the links led to stays");
  }
}
