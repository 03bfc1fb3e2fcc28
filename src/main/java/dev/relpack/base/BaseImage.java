package dev.relpack.base;

import com.google.cloud.tools.jib.api.ImageReference;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A base, resolved and pinned: what the image's {@code base.name}/{@code base.digest} labels say,
 * and where jib reads it from.
 */
public record BaseImage(String name, Optional<String> digest, Source source) {

  /** Where jib takes the base from. */
  public sealed interface Source {}

  /** A registry image pinned to the digest it had when the build started. */
  public record RegistrySource(ImageReference pinned) implements Source {}

  /** A {@code docker save} archive on disk. */
  public record ArchiveSource(Path tar) implements Source {}

  /** No base. */
  public record ScratchSource() implements Source {}
}
