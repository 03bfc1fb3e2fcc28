package dev.relpack.base;

import com.google.cloud.tools.jib.api.LogEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.elf.ElfFile;
import dev.relpack.registry.RegistryReader;
import dev.relpack.release.Release;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What resolving a base may use.
 *
 * @param cacheRoot where generated and repacked bases are kept
 * @param machineRoot the root of the machine {@code --from host} takes files from
 * @param nativeArchitecture the OCI architecture of the release's native code (ERTS, NIFs); empty
 *     when it has none
 * @param privateState a directory only this user can write, for what must not live in the
 *     shared cache (the host base's record of which packages own which files); empty to keep
 *     nothing there
 */
public record BaseContext(
    Path cacheRoot,
    Path machineRoot,
    RegistryReader registry,
    RegistryCredentials credentials,
    Consumer<LogEvent> log,
    Release release,
    String appRoot,
    String user,
    boolean check,
    Optional<String> nativeArchitecture,
    Optional<Path> privateState) {

  /** A context without a private state directory: nothing is remembered outside the cache. */
  public BaseContext(Path cacheRoot, Path machineRoot, RegistryReader registry,
      RegistryCredentials credentials, Consumer<LogEvent> log, Release release, String appRoot,
      String user, boolean check, Optional<String> nativeArchitecture) {
    this(cacheRoot, machineRoot, registry, credentials, log, release, appRoot, user, check,
        nativeArchitecture, Optional.empty());
  }

  /** The platform to pick from a multi-platform base: the release's, else this machine's. */
  public String architecture() {
    return nativeArchitecture.orElseGet(ElfFile::thisMachine);
  }

  /** The architecture a base must offer, when checks are on and the release has native code. */
  public Optional<String> architectureToCheck() {
    return check ? nativeArchitecture : Optional.empty();
  }
}
