package dev.relpack.engine;

import java.nio.file.Path;
import java.util.Map;

/**
 * This user's own state directory, for what must not live in the cache other jobs can write
 * (the JVM archive, the host base's package owners): {@code $XDG_STATE_HOME/relpack} when that
 * is absolute, as the XDG spec asks, else {@code ~/.local/state/relpack}.
 */
public final class StateDirectory {
  private StateDirectory() {}

  public static Path of(Map<String, String> env, Path home) {
    String xdg = env.get("XDG_STATE_HOME");
    Path state = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : home.resolve(".local/state");
    return state.resolve("relpack");
  }
}
