package dev.relpack.publish;

import dev.relpack.auth.RegistryCredentials;
import dev.relpack.registry.RegistryReader;
import java.nio.file.Path;

/**
 * What a target needs to reach what it holds, outside a jib build: to tag an image or index it
 * already has ({@link Target#tag}).
 */
public interface TargetAccess {
  /** Where lock files for what several builds may write at once are kept. */
  Path locks();

  RegistryCredentials credentials();

  RegistryReader registry();

  BuildListener listener();
}
