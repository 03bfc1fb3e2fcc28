package dev.relpack.engine;

import java.nio.file.Path;
import java.util.Map;

/** The user's home directory as every front end finds it: $HOME, else the JVM's user.home. */
public final class UserHome {
  private UserHome() {}

  /** {@code HOME} wins: CI jobs and tests set it, and the JVM's user.home ignores it. */
  public static Path of(Map<String, String> environment) {
    String home = environment.get("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }
}
