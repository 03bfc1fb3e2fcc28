package dev.relpack.registry;

/**
 * How relpack may talk to registries in this build.
 *
 * @param insecure {@code --insecure}: plain HTTP and unverified TLS allowed everywhere
 */
public record RegistryAccess(boolean insecure) {

  /** Whether plain HTTP (or unverified TLS) may be used with this registry. */
  public boolean allowsInsecure(String registry) {
    return insecure || RegistryHosts.isLoopback(registry);
  }
}
