package dev.relpack.cli;

import java.util.List;

/**
 * Initializes, on a daemon thread at start, the classes whose static set-up is slow and which
 * every build reaches within its first tens of milliseconds, so that set-up runs on the other
 * core while the main thread reads the command line and the release. Jackson's
 * {@code ObjectMapper} makes a date format whose {@code Calendar} has every locale the JDK knows
 * listed (about 25 ms on the machine the README's figures come from, on the main thread of a
 * warm build before this); jib's image reference and digest compile their patterns, after Guava's platform
 * checks. A class the
 * main thread reaches first is simply set up there: the JVM lets one thread initialize a class
 * and the other waits for it, never twice.
 */
final class ClassesAhead {
  static final List<String> SLOW_TO_INITIALIZE = List.of(
      // in the order the main thread meets them: the base's name is read before any JSON
      "com.google.common.base.Platform",
      "com.google.cloud.tools.jib.api.ImageReference",
      "com.google.cloud.tools.jib.api.DescriptorDigest",
      "com.fasterxml.jackson.databind.ObjectMapper");

  private ClassesAhead() {}

  static void initializeInBackground() {
    Thread thread = new Thread(ClassesAhead::initialize, "relpack-classes-ahead");
    thread.setDaemon(true);
    thread.start();
  }

  private static void initialize() {
    ClassLoader loader = ClassesAhead.class.getClassLoader();
    for (String name : SLOW_TO_INITIALIZE) {
      try {
        Class.forName(name, true, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // the main thread meets the same failure where it uses the class, and reports it there
      }
    }
  }
}
