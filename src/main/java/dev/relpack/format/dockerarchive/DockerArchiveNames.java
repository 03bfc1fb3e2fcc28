package dev.relpack.format.dockerarchive;

/**
 * The names in a {@code docker save} archive: its manifest, and its blobs as relpack (and jib)
 * name them, by the hex of their digest.
 */
public final class DockerArchiveNames {
  /** The archive's manifest: a JSON array of images, each naming its config and layers. */
  public static final String MANIFEST = "manifest.json";

  private DockerArchiveNames() {}

  /** {@code HEX.json}: the config whose digest is {@code digest} ({@code sha256:HEX}). */
  public static String config(String digest) {
    return hex(digest) + ".json";
  }

  /** {@code HEX.tar.gz}: the gzipped layer whose digest is {@code digest}. */
  public static String layer(String digest) {
    return hex(digest) + ".tar.gz";
  }

  private static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }
}
