package dev.relpack.base;

import com.google.cloud.tools.jib.api.LogEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.registry.RegistryReader;
import dev.relpack.release.Release;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What resolving a base may use.
 *
 * @param cacheRoot where generated and repacked bases are kept
 * @param machineRoot the root of the machine {@code --from host} takes files from
 * @param architecture the OCI architecture of the release's native code, for picking a platform
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
    String architecture) {}
