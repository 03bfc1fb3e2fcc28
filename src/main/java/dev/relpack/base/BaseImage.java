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
    Optional<String> architecture, Contents contents) {

  /**
   * @param architecture what the base image itself is for, when it is one image (not an index
   *     and not scratch): jib is asked to build for it, as jib refuses a single base image of
   *     another platform than the one it builds for (unless that is amd64)
   * @param contents what the boot check reads of it
   */
  public BaseImage {
    files = List.copyOf(files);
  }

  public BaseImage(String name, Optional<String> digest, Source source,
      Optional<String> architecture, Contents contents) {
    this(name, digest, source, List.of(), architecture, contents);
  }

  /** A regular file of the base: its bytes on this machine and its absolute path in the image. */
  public record BaseFile(Path source, String target, boolean executable) {}

  /** The files of the base the boot check reads, and where its commands are looked up. */
  public sealed interface Contents {
    /** The directories of the image's PATH, in order. */
    List<String> path();
  }

  /**
   * The host base: the machine's own files, which the host base takes exactly what the release
   * needs from; the check asks the machine, so what is missing is named as the machine lacks it.
   */
  public record MachineContents(Path root, List<String> path) implements Contents {
    public MachineContents {
      path = List.copyOf(path);
    }
  }

  /** An image: its layers, bottom first (none for scratch), read only if the check runs. */
  public record LayerContents(LayerList layers, List<String> path) implements Contents {
    public LayerContents {
      path = List.copyOf(path);
    }
  }

  /** Lists a base's layers; registry bases fetch their manifest's only when asked. */
  @FunctionalInterface
  public interface LayerList {
    List<BaseLayer> layers() throws java.io.IOException;
  }

  /** Where jib takes the base from. */
  public sealed interface Source {}

  /** A registry image pinned to the digest it had when the build started. */
  public record RegistrySource(ImageReference pinned) implements Source {}

  /** A {@code docker save} archive on disk. */
  public record ArchiveSource(Path tar) implements Source {}

  /** No base. */
  public record ScratchSource() implements Source {}
}
