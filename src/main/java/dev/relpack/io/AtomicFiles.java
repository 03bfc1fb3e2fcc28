package dev.relpack.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files whole or not at all: into a temporary file beside the destination, then renamed
 * over it. Readers (another build, another tool) never see half a file, and a build killed midway
 * leaves the old file or none.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes a file's content into the temporary file it is given. */
  @FunctionalInterface
  public interface Content {
    void writeTo(Path file) throws IOException;
  }

  public static void write(Path file, byte[] content) throws IOException {
    write(file, tmp -> Files.write(tmp, content));
  }

  public static void write(Path file, String text) throws IOException {
    write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes whatever {@code content} writes into a temporary file, then renames it into place. */
  public static void write(Path file, Content content) throws IOException {
    Path absolute = file.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
    try {
      content.writeTo(tmp);
      // temporary files are created 0600; these are for other tools and users to read too
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
