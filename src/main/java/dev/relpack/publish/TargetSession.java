package dev.relpack.publish;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.JibContainer;
import java.nio.file.Path;
import java.util.List;

/** What a target needs from the build to write itself with jib. */
public interface TargetSession extends TargetAccess {
  /** The containerizer with relpack's settings: caches, tool name, tags, event handlers. */
  Containerizer configure(Containerizer containerizer);

  /** Scratch space on the cache's file system. */
  Path staging();

  /** What the image is called where a target needs a name (the release's name). */
  String imageName();

  /**
   * How many layers the build adds on the base: the last this many history entries are the
   * build's, whose author jib names "Jib" and relpack renames ({@link
   * dev.relpack.format.ConfigRewrite#authors}).
   */
  int addedLayers();

  /** What the image's manifest is annotated with ({@link dev.relpack.format.ConfigRewrite#annotate}). */
  java.util.Map<String, String> annotations();

  /**
   * Fails when the build has been given up (its registry phase ran out of time) while jib
   * went on: called just before a target puts what jib wrote in place, so it never does.
   */
  void requireWanted();

  /**
   * Fails when the registry answered the manifest push with a digest other than the pushed
   * manifest's (jib only warns): what it stored, if anything, is not the image.
   */
  void requireManifestStored(JibContainer container);

  /** A blob of the written image: its digest and compressed size. */
  record Blob(String digest, long size) {}

  /**
   * What a target wrote, once relpack renamed the author of its history entries.
   *
   * @param digest the image manifest's digest
   * @param imageId the config's digest
   * @param layers the image's layers, base layers first
   */
  record Written(String digest, String imageId, List<Blob> layers) {}
}
