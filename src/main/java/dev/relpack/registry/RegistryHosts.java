package dev.relpack.registry;

import java.util.Locale;

/** Facts about registry host names. */
public final class RegistryHosts {
  private RegistryHosts() {}

  /**
   * Whether a registry ({@code host[:port]}) is on this machine's loopback interface. Like Docker,
   * relpack lets such registries speak plain HTTP without {@code --insecure}: traffic to them never
   * leaves the machine.
   */
  public static boolean isLoopback(String registry) {
    String host = registry.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      host = host.substring(1, Math.max(1, host.indexOf(']')));
    } else if (host.indexOf(':') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    return host.equals("localhost") || host.equals("::1")
        || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }
}
