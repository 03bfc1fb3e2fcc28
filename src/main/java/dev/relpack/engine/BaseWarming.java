package dev.relpack.engine;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseFiles;
import dev.relpack.base.BaseSpec;
import dev.relpack.base.RegistryLayers;
import dev.relpack.registry.ReadLimits;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import dev.relpack.registry.TlsTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Downloads and indexes a registry base's layers while the release is read. The boot check needs
 * both; each keeps a core busy (inflating and hashing), and with an empty cache the base is
 * nearly as much work as the release. This fills the caches the check reads (jib's base layers,
 * the layer indexes) and nothing else. Whatever goes wrong is left for the check to meet again
 * and report, except running out of time: a registry that stalled this reading would stall the
 * check's for as long again, so that ends the build at once.
 */
final class BaseWarming {
  private final RegistryDeadline deadline;
  private final Future<?> warmed;
  private final Reporter reporter;

  private BaseWarming(RegistryDeadline deadline, Future<?> warmed, Reporter reporter) {
    this.deadline = deadline;
    this.warmed = warmed;
    this.reporter = reporter;
  }

  /**
   * What reading the base needs, known before the release is read.
   *
   * @param memo where the base's manifests and config go once read, for the check's own reading
   */
  record Reading(RegistryAccess access, RegistryCredentials credentials, Path cacheRoot,
      BaseCheck check, Duration timeout, TlsTrust trust, Consumer<LogEvent> log,
      RegistryReader.Memo memo) {}

  /**
   * Starts reading {@code base} once the registries are probed, when it is a registry image and
   * this machine's architecture says which of its platforms the release will want (a release is
   * almost always built for the machine that builds its image; a wrong guess costs a download).
   */
  static Optional<BaseWarming> start(BaseSpec base,
      Future<Map<String, RegistryProbe.Transport>> probed, Reading reading, Reporter reporter) {
    Optional<String> architecture = machineArchitecture(System.getProperty("os.arch", ""));
    if (!(base instanceof BaseSpec.Registry registry) || architecture.isEmpty()) {
      return Optional.empty();
    }
    ImageReference image = registry.reference();
    RegistryDeadline deadline =
        RegistryDeadline.of(reading.timeout(), List.of(image.getRegistry()), reading.trust());
    Future<?> warmed = deadline.start(() -> {
      Map<String, RegistryProbe.Transport> transports = probed.get();
      RegistryReader reader = new RegistryReader(reading.access(),
          r -> transports.getOrDefault(r, RegistryProbe.Transport.HTTPS), reading.timeout(),
          ReadLimits.DEFAULT).withMemo(reading.memo());
      BaseFiles files = new RegistryLayers(reader, reading.cacheRoot()).files(image,
          reading.credentials().credential(image, reading.log()), architecture.get());
      reading.check().index(files);
      int layers = files.layers().size();
      reporter.debug("read the " + layers + (layers == 1 ? " layer" : " layers") + " of base "
          + image + " while the release was read");
      return null;
    });
    return Optional.of(new BaseWarming(deadline, warmed, reporter));
  }

  /** The OCI name of the JVM's {@code os.arch}, for the architectures relpack builds for. */
  static Optional<String> machineArchitecture(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> Optional.of("amd64");
      case "aarch64", "arm64" -> Optional.of("arm64");
      default -> Optional.empty();
    };
  }

  /**
   * Waits for the reading to end.
   *
   * @throws dev.relpack.error.RegistryException when the base's registry did not answer within
   *     the build's timeout
   */
  void finish() {
    try {
      deadline.await("reading the base ahead of the check", warmed);
    } catch (RuntimeException e) {
      if (deadline.expired()) {
        throw e;
      }
      reporter.debug("the base was not read ahead (" + e.getMessage() + "); reading it now");
    }
  }

  /** Stops the reading: the build has failed. */
  void cancel() {
    warmed.cancel(true);
    deadline.executor().shutdownNow();
  }
}
