package dev.relpack.format;

import java.io.IOException;

/**
 * jib gave a blob whose content does not match its digest: its layer cache holds a changed or
 * corrupt entry. The build evicts the entry and builds again.
 */
public final class CorruptBlobException extends IOException {
  private final String digest;

  public CorruptBlobException(String digest) {
    super("blob " + digest + " from the layer cache does not match its digest");
    this.digest = digest;
  }

  /** The digest the blob should have had ({@code sha256:...}). */
  public String digest() {
    return digest;
  }
}
