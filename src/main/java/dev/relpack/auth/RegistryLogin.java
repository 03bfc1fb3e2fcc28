package dev.relpack.auth;

/**
 * A user name and password for one registry that a front end knows of itself, such as a Maven
 * {@code settings.xml} {@code <server>} whose id is the registry's host. Tried after every
 * source {@link RegistryCredentials} reads on its own.
 *
 * @param registry the registry host, with its port when it has one
 * @param source where it came from, for the log (never the secret)
 */
public record RegistryLogin(String registry, String username, String password, String source) {

  /** Never the password. */
  @Override
  public String toString() {
    return "RegistryLogin[registry=" + registry + ", username=" + username + ", source=" + source
        + "]";
  }
}
