package dev.relpack.base;

import com.google.cloud.tools.jib.api.ImageReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A base, resolved and pinned: what the image's {@code base.name}/{@code base.digest} labels say,
 * where jib reads it from, and files to add on top of it as a layer of their own (the host base
 * keeps its regular files there, where jib's layer cache spares re-reading them every build).
 */
public record BaseImage(String name, Optional<String> digest, Source source, List<BaseFile> files,
    Optional<String> architecture) {

  /**
   * @param architecture what the base image itself is for, when it is one image (not an index
   *     and not scratch): jib is asked to build for it, as jib refuses a single base image of
   *     another platform than the one it builds for (unless that is amd64)
   */
  public BaseImage {
    files = List.copyOf(files);
  }

  public BaseImage(String name, Optional<String> digest, Source source,
      Optional<String> architecture) {
    this(name, digest, source, List.of(), architecture);
  }

  /** A regular file of the base: its bytes on this machine and its absolute path in the image. */
  public record BaseFile(Path source, String target, boolean executable) {}

  /** Where jib takes the base from. */
  public sealed interface Source {}

  /** A registry image pinned to the digest it had when the build started. */
  public record RegistrySource(ImageReference pinned) implements Source {}

  /** A {@code docker save} archive on disk. */
  public record ArchiveSource(Path tar) implements Source {}

  /** No base. */
  public record ScratchSource() implements Source {}
}
