package dev.relpack.publish;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import dev.relpack.error.RelpackException;
import dev.relpack.format.ConfigRewrite;
import dev.relpack.format.referrers.ReferrersIndex;
import dev.relpack.registry.ConfigReplacer;
import dev.relpack.registry.ReferrerAttacher;
import dev.relpack.registry.RegistryReader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

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

  /**
   * jib pushes the image under every tag; relpack then replaces its config by one naming relpack
   * as the author of the build's history entries and moves every tag to the manifest pointing at
   * it ({@link ConfigReplacer}). jib's manifest stays in the repository, untagged. A registry
   * that will not serve the manifest back, or refuses the second one (immutable tags), keeps
   * jib's image, with a warning.
   */
  @Override
  public TargetSession.Written write(JibContainerBuilder jib, TargetSession session)
      throws Exception {
    RegistryImage registryImage = RegistryImage.named(image);
    registryImage.addCredentialRetriever(
        session.credentials().retriever(image, e -> session.listener().debug(e.getMessage())));
    JibContainer container = jib.containerize(session.configure(Containerizer.to(registryImage)));
    session.requireManifestStored(container);
    ConfigReplacer replacer = session.registry().configReplacer();
    ConfigReplacer.Pushed pushed;
    try {
      pushed = replacer.read(image,
          session.credentials().credential(image, e -> session.listener().debug(e.getMessage())),
          container.getDigest().toString());
    } catch (RelpackException e) {
      // the image is pushed and tagged as jib made it; only relpack's touches are missing
      session.listener().warn("pushed " + container.getDigest() + " but cannot read its manifest"
          + " back to list its layers and name relpack in its history: " + e.getMessage());
      return new TargetSession.Written(container.getDigest().toString(),
          container.getImageId().toString(), List.of());
    }
    ConfigReplacer.Image replaced;
    try {
      replaced = replacer.replace(pushed,
          config -> ConfigRewrite.authors(config, session.addedLayers()), session.annotations(),
          tags);
    } catch (RelpackException e) {
      // a registry with immutable tags refuses the second manifest: jib's image stands, whole
      session.listener().warn("pushed " + pushed.digest() + " but cannot name relpack in its"
          + " history: " + e.getMessage() + "; the image is jib's, with Jib as its history's"
          + " author");
      return new TargetSession.Written(pushed.digest(), pushed.configDigest(), blobs(pushed.layers()));
    }
    return new TargetSession.Written(replaced.digest(), replaced.configDigest(),
        blobs(replaced.layers()));
  }

  private static List<TargetSession.Blob> blobs(List<RegistryReader.Descriptor> layers) {
    return layers.stream().map(d -> new TargetSession.Blob(d.digest(), d.size())).toList();
  }

  @Override
  public boolean attached(String subjectDigest, String referrer, TargetAccess access) {
    return access.registry().referrers().listed(image,
        access.credentials().credential(image, e -> access.listener().debug(e.getMessage())),
        subjectDigest, referrer);
  }

  @Override
  public Optional<ConfigReplacer.Pushed> read(String digest, TargetAccess access) {
    return Optional.of(access.registry().configReplacer().read(image,
        access.credentials().credential(image, e -> access.listener().debug(e.getMessage())),
        digest));
  }

  @Override
  public Optional<byte[]> revisedConfig(ConfigReplacer.Pushed previous, int baseLayers,
      List<String> topDiffIds, int added) {
    return Optional.of(ConfigReplacer.revisedConfig(previous, baseLayers, topDiffIds, added));
  }

  @Override
  public Optional<ConfigReplacer.Written> revision(ConfigReplacer.Pushed previous,
      int baseLayers, List<ConfigReplacer.TopLayer> top, int added,
      Map<String, String> annotations) {
    return Optional.of(ConfigReplacer.revision(previous, baseLayers, top, added, annotations));
  }

  /** Writes {@code previous} again with {@code top} on its base, as {@code revision} has it. */
  @Override
  public Optional<ConfigReplacer.Revised> revise(ConfigReplacer.Pushed previous,
      ConfigReplacer.Written revision, List<ConfigReplacer.TopLayer> top, TargetAccess access) {
    return Optional.of(access.registry().configReplacer().revise(previous, revision, top, tags));
  }

  @Override
  public Optional<ConfigReplacer.Revised> writeNew(ImageReference baseRepository,
      ConfigReplacer.Written written, List<ConfigReplacer.TopLayer> top, TargetAccess access) {
    return access.registry().configReplacer().writeNew(image,
        access.credentials().credential(image, e -> access.listener().debug(e.getMessage())),
        baseRepository, written, top, tags);
  }

  /** Tags the manifest or index {@code digest} of this repository through the registry API. */
  @Override
  public void tag(String digest, List<String> tags, TargetAccess access) {
    access.registry().tagger().tag(image,
        access.credentials().credential(image, e -> access.listener().debug(e.getMessage())),
        digest, tags);
  }

  /**
   * Through the referrers API when the registry has it, else the referrers tag ({@link
   * dev.relpack.registry.ReferrerAttacher}).
   */
  @Override
  public Optional<String> attach(String subjectDigest, Attachment attachment,
      TargetAccess access) {
    ReferrerAttacher.Attached attached = access.registry().referrers().attach(image,
        access.credentials().credential(image, e -> access.listener().debug(e.getMessage())),
        subjectDigest, attachment.artifactType(), attachment.mediaType(), attachment.content());
    debugAttached(attachment, subjectDigest, attached, access);
    return Optional.of(attached.digest());
  }

  private void debugAttached(Attachment attachment, String subjectDigest,
      ReferrerAttacher.Attached attached, TargetAccess access) {
    access.listener().debug("attached " + attachment.artifactType() + " " + attached.digest()
        + " to " + reference(subjectDigest) + " (" + switch (attached.listing()) {
          case REFERRERS_API -> "listed by the registry's referrers API";
          case REFERRERS_TAG -> "added to the referrers tag " + ReferrersIndex.tag(subjectDigest);
          case ALREADY_LISTED -> "the referrers tag " + ReferrersIndex.tag(subjectDigest)
              + " listed it already";
        } + ")");
  }

  @Override
  public Optional<String> attachOnceWritten(RegistryReader.Descriptor subject,
      Callable<Boolean> written, Attachment attachment, TargetAccess access) {
    Optional<ReferrerAttacher.Attached> attached = access.registry().referrers()
        .attachOnceWritten(image, access.credentials().credential(image,
            e -> access.listener().debug(e.getMessage())), subject, written,
            attachment.artifactType(), attachment.mediaType(), attachment.content());
    attached.ifPresent(a -> debugAttached(attachment, subject.digest(), a, access));
    return attached.map(ReferrerAttacher.Attached::digest);
  }
}
