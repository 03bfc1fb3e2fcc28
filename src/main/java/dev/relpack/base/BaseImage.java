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

  /** The PATH container runtimes give an image whose config sets none. */
  public static final List<String> DEFAULT_PATH =
      List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

  /** What the boot check reads of the base. */
  public sealed interface Contents {}

  /**
   * The host base: the machine's own files, which the host base takes exactly what the release
   * needs from; the check asks the machine, so what is missing is named as the machine lacks it.
   *
   * @param path the directories a command is looked up in, in order
   * @param inventory the os-release and packages the base carries for scanners, and the files
   *     it copied that no package owns (for the SBOM, which need not read the machine again)
   */
  public record MachineContents(Path root, List<String> path, OsInventory inventory)
      implements Contents {
    public MachineContents {
      path = List.copyOf(path);
    }

    /** A machine whose package metadata is not wanted (tests of other things). */
    public MachineContents(Path root, List<String> path) {
      this(root, path, OsInventory.empty());
    }
  }

  /** An image: its layers and config, read only if the check runs (none for scratch). */
  public record LayerContents(FilesSource source) implements Contents {}

  /** Lists a base's layers; a registry base fetches its manifest and config only when asked. */
  @FunctionalInterface
  public interface FilesSource {
    BaseFiles files() throws java.io.IOException;
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
