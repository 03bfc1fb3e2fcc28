package dev.relpack.base;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.LogEvent;
import dev.relpack.error.BadInputException;
import dev.relpack.error.RegistryException;
import dev.relpack.format.ocilayout.LayoutReference;
import dev.relpack.registry.RegistryReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the user asked the base image to come from ({@code --from}): one record per kind, each
 * resolving itself into a pinned {@link BaseImage}.
 */
public sealed interface BaseSpec {

  BaseImage resolve(BaseContext context) throws IOException;

  /** The registry image this base is, if it is one (to probe the registry and find credentials). */
  default Optional<ImageReference> registryImage() {
    return Optional.empty();
  }

  /** A registry reference such as {@code alpine:3.20} or {@code reg.example.com/x/y@sha256:...}. */
  record Registry(ImageReference reference) implements BaseSpec {
    /** Pinned to the digest its tag points to now, so the label tells the truth. */
    @Override
    public BaseImage resolve(BaseContext context) {
      RegistryReader.Offered offered = context.registry().offered(reference,
          context.credentials().credential(reference, context.log()));
      String digest = offered.digest();
      if (reference.getDigest().map(asked -> !asked.equals(digest)).orElse(false)) {
        throw new RegistryException("the registry of " + reference + " served a manifest whose"
            + " digest is " + digest + ", not the one asked for", null);
      }
      BasePlatform platform = new BasePlatform(offered.platforms(), offered.index());
      platform.check(displayName(reference), context);
      ImageReference pinned = ImageReference.of(reference.getRegistry(), reference.getRepository(),
          reference.getTag().orElse(null), digest);
      return new BaseImage(displayName(reference), Optional.of(digest),
          new BaseImage.RegistrySource(pinned), platform.imageArchitecture(),
          new BaseImage.LayerContents(() -> new RegistryLayers(context.registry(),
              context.cacheRoot()).files(pinned, context)));
    }

    @Override
    public Optional<ImageReference> registryImage() {
      return Optional.of(reference);
    }

    /** {@code docker.io/library/alpine:3.20} style: registry, repository and tag, fully spelled. */
    static String displayName(ImageReference reference) {
      String registry = reference.getRegistry().equals("registry-1.docker.io")
          ? "docker.io" : reference.getRegistry();
      return registry + "/" + reference.getRepository()
          + reference.getTag().map(t -> ":" + t).orElse("");
    }
  }

  /** {@code tar:PATH}: a {@code docker save} archive. */
  record DockerArchive(Path tar) implements BaseSpec {
    @Override
    public BaseImage resolve(BaseContext context) {
      return DockerArchiveBase.resolve(tar, context);
    }
  }

  /** {@code oci:DIR[:REF]}: an OCI image layout directory. */
  record OciLayout(Path dir, Optional<String> refName) implements BaseSpec {
    @Override
    public BaseImage resolve(BaseContext context) throws IOException {
      return new OciLayoutBase(context.cacheRoot()).resolve(this, context);
    }
  }

  /** {@code scratch}: no base at all. */
  record Scratch() implements BaseSpec {
    @Override
    public BaseImage resolve(BaseContext context) {
      return new BaseImage("scratch", Optional.empty(), new BaseImage.ScratchSource(),
          Optional.empty(), BaseFiles.scratch().contents());
    }
  }

  /** {@code host}: the files of this machine that the release needs. */
  record Host() implements BaseSpec {
    @Override
    public BaseImage resolve(BaseContext context) throws IOException {
      return new HostBase(context.machineRoot(), context.cacheRoot(),
          message -> context.log().accept(LogEvent.warn(message)))
          .withPrivateState(context.privateState())
          .build(context.release(),
              new HostBase.Options(context.appRoot(), context.user()));
    }
  }

  static BaseSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new BadInputException("{from} is empty; give a registry reference, tar:PATH, oci:DIR,"
          + " scratch or host");
    }
    if (text.equals("scratch")) {
      return new Scratch();
    }
    if (text.equals("host")) {
      return new Host();
    }
    if (text.startsWith("tar:")) {
      String path = text.substring("tar:".length());
      if (path.isEmpty()) {
        throw new BadInputException("{from} " + text + " names no path after 'tar:'");
      }
      return new DockerArchive(Path.of(path));
    }
    if (text.startsWith("oci:")) {
      LayoutReference layout = LayoutReference.parse(text.substring("oci:".length()), "{from}");
      return new OciLayout(layout.dir(), layout.ref());
    }
    try {
      return new Registry(ImageReference.parse(text));
    } catch (InvalidImageReferenceException e) {
      throw new BadInputException("{from} " + text + " is not an image reference (e.g."
          + " alpine:3.20, registry.example.com/group/image@sha256:...), tar:PATH, oci:DIR,"
          + " scratch or host");
    }
  }
}
