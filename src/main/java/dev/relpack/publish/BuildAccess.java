package dev.relpack.publish;

import dev.relpack.auth.RegistryCredentials;
import dev.relpack.registry.RegistryReader;
import java.nio.file.Path;

/** A build's {@link TargetAccess} outside a jib build: what the engine hands a target to attach. */
public record BuildAccess(Path locks, RegistryCredentials credentials, RegistryReader registry,
    BuildListener listener) implements TargetAccess {}
