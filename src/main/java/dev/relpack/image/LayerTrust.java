package dev.relpack.image;

import dev.relpack.io.TreeSeals;
import java.util.Optional;

/**
 * What this user's private state says of jib's layer cache, which others may write: which
 * entries were found intact ({@link TreeSeals}), and which lookups were found true
 * ({@link LayerClaims}). Whatever it does not vouch for is checked before it is used.
 */
public record LayerTrust(TreeSeals seals, LayerClaims claims) {
  /** Nothing kept: every entry and lookup is checked. */
  public static LayerTrust none() {
    return new LayerTrust(new TreeSeals(Optional.empty()), LayerClaims.none());
  }
}
