package dev.relpack.publish;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import dev.relpack.error.RelpackException;
import dev.relpack.registry.RegistryReader;
import java.util.List;
import java.util.Optional;

/** A registry repository; {@code image} carries the primary tag. Pushed with OCI manifests. */
public record RegistryTarget(ImageReference image, List<String> tags) implements Target {
  public RegistryTarget {
    tags = List.copyOf(tags);
  }

  @Override
  public String display() {
    return image.getRegistry() + "/" + image.getRepository() + ":" + tags.get(0);
  }

  @Override
  public String reference(String digest) {
    return image.getRegistry() + "/" + image.getRepository() + "@" + digest;
  }

  @Override
  public Optional<ImageReference> registryImage() {
    return Optional.of(image);
  }

  @Override
  public void checkWritable() {
    // whether the registry takes it is for the probe and the push to say
  }

  @Override
  public TargetSession.Written write(JibContainerBuilder jib, TargetSession session)
      throws Exception {
    RegistryImage registryImage = RegistryImage.named(image);
    registryImage.addCredentialRetriever(
        session.credentials().retriever(image, e -> session.listener().debug(e.getMessage())));
    JibContainer container = jib.containerize(session.configure(Containerizer.to(registryImage)));
    session.requireManifestStored(container);
    return new TargetSession.Written(container, pushedLayers(container, session));
  }

  /** Tags the manifest or index {@code digest} of this repository through the registry API. */
  @Override
  public void tag(String digest, List<String> tags, TargetAccess access) {
    access.registry().tagger().tag(image,
        access.credentials().credential(image, e -> access.listener().debug(e.getMessage())),
        digest, tags);
  }

  /** jib does not say which layers it pushed: read the manifest back. */
  private List<TargetSession.Blob> pushedLayers(JibContainer container, TargetSession session) {
    try {
      RegistryReader.Manifest pushed = session.registry().read(
          ImageReference.of(image.getRegistry(), image.getRepository(), null,
              container.getDigest().toString()),
          session.credentials().credential(image, e -> session.listener().debug(e.getMessage())));
      return pushed.layers().stream().map(d -> new TargetSession.Blob(d.digest(), d.size())).toList();
    } catch (RelpackException e) {
      // the image is pushed; only its layer list (for the summary and metadata) is missing
      session.listener().warn("pushed " + container.getDigest() + " but cannot read its manifest"
          + " back to list its layers: " + e.getMessage());
      return List.of();
    }
  }
}
