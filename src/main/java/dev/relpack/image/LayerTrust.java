package dev.relpack.image;

import dev.relpack.io.TreeSeals;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What this user's private state says of jib's caches, which others may write: which entries
 * were found intact ({@link TreeSeals}), which lookups were found true ({@link LayerClaims}), and
 * the base images' manifests and configs jib keeps ({@link BaseCacheView}). Whatever it does not
 * vouch for is checked before it is used, or read from the registry again.
 *
 * @param baseViews where this user's views of jib's base cache are kept; empty for one per build
 */
public record LayerTrust(TreeSeals seals, LayerClaims claims, Optional<Path> baseViews) {
  /** Nothing kept: every entry and lookup is checked, base manifests read again. */
  public static LayerTrust none() {
    return new LayerTrust(new TreeSeals(Optional.empty()), LayerClaims.none(), Optional.empty());
  }
}
