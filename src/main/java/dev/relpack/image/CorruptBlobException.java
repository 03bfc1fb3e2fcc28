package dev.relpack.image;

import java.io.IOException;

/**
 * jib gave a blob whose content does not match its digest: its layer cache holds a changed or
 * corrupt entry. The build evicts the entry and builds again ({@link JibImageBuilder}).
 */
final class CorruptBlobException extends IOException {
  private final String digest;

  CorruptBlobException(String digest) {
    super("blob " + digest + " from the layer cache does not match its digest");
    this.digest = digest;
  }

  /** The digest the blob should have had ({@code sha256:...}). */
  String digest() {
    return digest;
  }
}
