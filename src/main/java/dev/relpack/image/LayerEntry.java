package dev.relpack.image;

import java.nio.file.Path;

/** A file or directory of an image layer: where its bytes are, where it goes, how it is marked. */
public record LayerEntry(Path source, String target, boolean directory, boolean executable) {

  /** The mode in the image: directories and executables 0755, other files 0644. */
  public String octalMode() {
    return directory || executable ? "755" : "644";
  }
}
