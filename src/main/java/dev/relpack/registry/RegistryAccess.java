package dev.relpack.registry;

/**
 * How relpack may talk to registries in this build.
 *
 * @param insecure {@code --insecure}: plain HTTP and unverified TLS allowed everywhere
 * @param trust the CAs this build verifies registries with
 */
public record RegistryAccess(boolean insecure, TlsTrust trust) {

  /** Access with the JVM's own CAs. */
  public RegistryAccess(boolean insecure) {
    this(insecure, TlsTrust.jvm());
  }

  /**
   * Whether plain HTTP may be used with this registry: with {@code --insecure}, or (as Docker
   * does) when it is on loopback, where traffic never leaves the machine.
   */
  public boolean allowsPlainHttp(String registry) {
    return insecure || RegistryHosts.isLoopback(registry);
  }

  /** Whether a TLS certificate may go unverified: only with {@code --insecure}, even on loopback. */
  public boolean allowsUnverifiedTls() {
    return insecure;
  }
}
