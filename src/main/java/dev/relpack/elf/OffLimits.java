package dev.relpack.elf;

import java.util.List;

/**
 * The trees of a machine from which nothing is ever taken into an image, whatever a release's ELF
 * headers or scripts name: the kernel's views of processes and devices ({@code /proc/self/environ}
 * holds the CI job's token), run-time state, and configuration, where secrets live.
 */
public final class OffLimits {
  public static final List<String> TREES = List.of("/proc", "/sys", "/dev", "/etc", "/run");

  private OffLimits() {}

  /** Whether an absolute, normalised machine path lies in one of those trees. */
  public static boolean contains(String absolute) {
    return TREES.stream().anyMatch(dir -> absolute.equals(dir) || absolute.startsWith(dir + "/"));
  }
}
