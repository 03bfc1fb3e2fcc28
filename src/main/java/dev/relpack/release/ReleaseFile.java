package dev.relpack.release;

import java.nio.file.Path;

/**
 * One file or directory of a release.
 *
 * @param path where it sits in the release, relative, with '/' separators (e.g. {@code bin/demo})
 * @param source where its bytes are on this machine (a regular file or directory, never a symlink)
 * @param directory whether it is a directory
 * @param executable whether the release marks it executable (any x bit); meaningless for directories
 */
public record ReleaseFile(String path, Path source, boolean directory, boolean executable) {

  /**
   * Whether this is a BEAM module ({@code *.beam}, not executable): the runtime reads those
   * itself and no dynamic loader maps one, so whatever its bytes it is not native code the
   * machine runs. An executable one could be started as a port program, so it is not one. The
   * boot check and the SBOM skip modules when they look for ELF files: most of a release's
   * files, each opened for its first bytes (the demo's 562 of 612, the scale release's 3,574 of
   * 5,082). The check's kept verdict names them by their place alone for the same reason
   * ({@code KnownImages.checkKey}).
   */
  public boolean beamModule() {
    return beamModule(path, directory, executable);
  }

  /**
   * {@link #beamModule()} for a file known by its path (in the release or in the image), kind
   * and mode: one rule for the check and for the key of its kept verdict, which must skip the
   * same files.
   */
  public static boolean beamModule(String path, boolean directory, boolean executable) {
    return !directory && !executable && path.endsWith(".beam");
  }

  /** The file name, the last component of the path. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
