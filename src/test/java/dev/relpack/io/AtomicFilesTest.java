package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path work;

  @Test
  void replacesAFileWithOneReadableByAllAndLeavesNoTemporaryFile() throws Exception {
    Path file = work.resolve("f.json");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    AtomicFiles.write(file, "new");
    assertEquals("new", Files.readString(file));
    assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(file));
    try (Stream<Path> files = Files.list(work)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void createsMissingParentDirectories() throws Exception {
    Path file = work.resolve("a/b/c.txt");
    AtomicFiles.write(file, new byte[] {1, 2});
    assertEquals(2, Files.size(file));
  }

  @Test
  void deletingATreeDoesNotFollowSymlinks() throws Exception {
    Path outside = Files.writeString(work.resolve("outside.txt"), "keep");
    Path tree = Files.createDirectories(work.resolve("tree/sub"));
    Files.createSymbolicLink(tree.resolve("link"), outside);
    FileTrees.deleteRecursively(work.resolve("tree"));
    assertEquals(false, Files.exists(work.resolve("tree")));
    assertEquals("keep", Files.readString(outside));
    FileTrees.deleteRecursively(work.resolve("never-there"));
  }
}
