package dev.relpack.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a directory can really be written, found out by writing: permission bits say nothing for
 * root, and a read-only mount or a full disk is only seen on a write. Checked before a build does
 * any work, so an unwritable output or cache is a bad-input error up front, not a failure at the
 * end of a build.
 */
public final class WritableDirectory {
  private WritableDirectory() {}

  /** Why nothing can be written in {@code dir} (created first when {@code create}), if so. */
  public static Optional<String> problem(Path dir, boolean create) {
    try {
      if (create) {
        Files.createDirectories(dir);
      }
      Path probe = Files.createTempFile(dir, ".relpack-write-check", ".tmp");
      Files.delete(probe);
      return Optional.empty();
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      return Optional.of(reason(e));
    }
  }

  private static String reason(Exception e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return "a file is in the way";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "it does not exist";
    }
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
