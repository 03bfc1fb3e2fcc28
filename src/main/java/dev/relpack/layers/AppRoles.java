package dev.relpack.layers;

import java.util.Set;

/**
 * What is known of who wrote each application.
 *
 * @param own the project's own applications: the release's app, umbrella children, {@code --app}
 * @param locked third-party dependencies named in {@code mix.lock}; never treated as own
 */
public record AppRoles(Set<String> own, Set<String> locked) {
  public AppRoles {
    own = Set.copyOf(own);
    locked = Set.copyOf(locked);
  }
}
