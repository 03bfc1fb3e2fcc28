package dev.relpack.cli;

import java.nio.file.Path;

/**
 * The jar's entry point. It stays small on purpose: for {@code build} and {@code check} it only
 * starts the tuned JVM ({@link Relaunch}) and waits, so it must not load picocli or the rest of
 * relpack first.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) {
    var relaunched = Relaunch.run(args, System.getenv(), home());
    if (relaunched.isPresent()) {
      System.exit(relaunched.get());
    }
    Main.main(args);
  }

  /** $HOME, as shells and CI runners set it; Java's user.home comes from the passwd entry. */
  static Path home() {
    return dev.relpack.engine.UserHome.of(System.getenv());
  }
}
