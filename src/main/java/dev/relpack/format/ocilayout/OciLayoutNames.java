package dev.relpack.format.ocilayout;

import java.nio.file.Path;

/** The names the OCI image layout specification gives the files of a layout directory. */
public final class OciLayoutNames {
  /** The marker file that says a directory is a layout. */
  public static final String MARKER = "oci-layout";
  /** The layout's top index: the images it holds. */
  public static final String INDEX = "index.json";
  /** Where blobs are, each named by the hex of its sha256 digest. */
  public static final String BLOBS = "blobs/sha256";
  /** The annotation of an index entry that names the image (the {@code REF} of oci:DIR:REF). */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";
  /** The layout version relpack writes in the marker. */
  public static final String VERSION = "1.0.0";
  /** The marker's content as relpack writes it. */
  public static final String MARKER_CONTENT = "{\"imageLayoutVersion\":\"" + VERSION + "\"}";

  private OciLayoutNames() {}

  /** The file of the blob {@code digest} ({@code sha256:HEX}) in the layout {@code dir}. */
  public static Path blob(Path dir, String digest) {
    return dir.resolve(BLOBS).resolve(digest.substring(digest.indexOf(':') + 1));
  }
}
