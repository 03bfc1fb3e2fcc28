package dev.relpack.publish;

import dev.relpack.auth.RegistryCredentials;
import dev.relpack.registry.ReadLimits;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import dev.relpack.testsupport.RecordingReporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What a target is given to reach what it holds, in tests: warnings go to a list. */
final class TestAccess implements TargetAccess {
  private final Path locks;
  private final RegistryCredentials credentials;
  private final RegistryReader registry;
  private final List<String> warnings;

  private TestAccess(Path locks, RegistryCredentials credentials, RegistryReader registry,
      List<String> warnings) {
    this.locks = locks;
    this.credentials = credentials;
    this.registry = registry;
    this.warnings = warnings;
  }

  /** Plain-HTTP registries, credentials from {@code env} with {@code home} as HOME. */
  static TargetAccess registries(Path locks, Map<String, String> env, Path home,
      List<String> warnings) {
    return new TestAccess(locks, new RegistryCredentials(env, home, warnings::add),
        new RegistryReader(new RegistryAccess(false), registry -> RegistryProbe.Transport.HTTP,
            Duration.ofSeconds(30), ReadLimits.DEFAULT), warnings);
  }

  /** For a layout: no registry is read. */
  static TargetAccess layout(Path locks, Path home, List<String> warnings) {
    return new TestAccess(locks, new RegistryCredentials(Map.of(), home, warnings::add), null,
        warnings);
  }

  @Override
  public Path locks() {
    return locks;
  }

  @Override
  public RegistryCredentials credentials() {
    return credentials;
  }

  @Override
  public RegistryReader registry() {
    if (registry == null) {
      throw new AssertionError("a layout reads no registry");
    }
    return registry;
  }

  @Override
  public BuildListener listener() {
    return new RecordingReporter(warnings);
  }
}
