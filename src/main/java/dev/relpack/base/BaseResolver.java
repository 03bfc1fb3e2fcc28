package dev.relpack.base;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.error.InternalException;
import dev.relpack.registry.RegistryReader;
import dev.relpack.release.Release;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/** Turns a {@code --from} into a pinned {@link BaseImage}, building or repacking it if needed. */
public final class BaseResolver {
  private final Path cacheRoot;
  private final Path machineRoot;
  private final RegistryReader registry;
  private final RegistryCredentials credentials;
  private final Consumer<LogEvent> log;

  /**
   * @param cacheRoot where generated and repacked bases are kept
   * @param machineRoot the root of the machine {@code --from host} takes files from
   */
  public BaseResolver(Path cacheRoot, Path machineRoot, RegistryReader registry,
      RegistryCredentials credentials, Consumer<LogEvent> log) {
    this.cacheRoot = cacheRoot;
    this.machineRoot = machineRoot;
    this.registry = registry;
    this.credentials = credentials;
    this.log = log;
  }

  /** What shapes a base beyond its reference. */
  public record Options(String appRoot, String user, boolean check, String architecture) {}

  public BaseImage resolve(BaseSpec spec, Release release, Options options) {
    try {
      if (spec instanceof BaseSpec.Scratch) {
        return new BaseImage("scratch", Optional.empty(), new BaseImage.ScratchSource());
      }
      if (spec instanceof BaseSpec.Host) {
        return new HostBase(machineRoot, cacheRoot, message -> log.accept(LogEvent.warn(message)))
            .build(release, new HostBase.Options(options.appRoot(), options.user(), options.check()));
      }
      if (spec instanceof BaseSpec.DockerArchive archive) {
        DockerArchive.Summary summary = DockerArchive.read(archive.tar());
        String name = summary.repoTag().orElse("tar:" + archive.tar().getFileName());
        return new BaseImage(name, Optional.of(summary.configDigest()),
            new BaseImage.ArchiveSource(archive.tar()));
      }
      if (spec instanceof BaseSpec.OciLayout layout) {
        return new OciLayoutBase(cacheRoot).resolve(layout, options.architecture());
      }
      return pinned(((BaseSpec.Registry) spec).reference());
    } catch (IOException e) {
      throw new InternalException("cannot prepare the base image: " + e.getMessage(), e);
    }
  }

  /** The registry image at the digest its tag points to now, so the label tells the truth. */
  private BaseImage pinned(ImageReference reference) {
    String digest = reference.getDigest().orElseGet(() ->
        registry.read(reference, credentials.credential(reference, log)).digest());
    ImageReference pinned = ImageReference.of(reference.getRegistry(), reference.getRepository(),
        reference.getTag().orElse(null), digest);
    return new BaseImage(displayName(reference), Optional.of(digest),
        new BaseImage.RegistrySource(pinned));
  }

  /** {@code docker.io/library/alpine:3.20} style: registry, repository and tag, fully spelled. */
  static String displayName(ImageReference reference) {
    String registry = reference.getRegistry().equals("registry-1.docker.io")
        ? "docker.io" : reference.getRegistry();
    return registry + "/" + reference.getRepository()
        + reference.getTag().map(t -> ":" + t).orElse("");
  }
}
