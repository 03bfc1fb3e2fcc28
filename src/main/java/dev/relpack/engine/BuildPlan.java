package dev.relpack.engine;

import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseImage;
import dev.relpack.base.BaseSpec;
import dev.relpack.image.ImageSpec;
import dev.relpack.layers.LayerPlan;
import dev.relpack.registry.RegistryReader;
import dev.relpack.registry.TlsTrust;
import dev.relpack.release.Release;
import dev.relpack.publish.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything a build has decided before it writes anything: the release (made by mix or rebar3
 * first, if the request asks for that) and its layers, the base resolved and pinned, the image
 * spec, the target checked writable, and how to reach each registry. {@link Engine#plan} makes
 * it; {@link Engine#check(BuildPlan, Reporter)} and {@link Engine#publish} use it.
 *
 * @param request what was asked for: the outputs ({@code digestFile}, {@code metadataFile}) and
 *     the registry timeout are read from it when publishing
 * @param release the release as read
 * @param layers how the release's files are split into layers
 * @param baseSpec the base the request names
 * @param base that base, resolved and pinned to a digest where it has one
 * @param spec everything that decides the image, and so its digest
 * @param sbom the image's SBOM as far as it is decided before the image exists; empty when the
 *     build neither writes one ({@code --sbom}) nor attaches one (a target that can hold it,
 *     without {@code --no-sbom})
 * @param appRoot where the release lies in the image
 * @param target where the image goes; empty for a plan made only to check the base
 * @param registries how this build reaches its registries
 * @param cacheRoot the cache this build reads and writes
 * @param releaseStep how long mix or rebar3 took, when the plan ran it
 * @param started {@link System#nanoTime()} when planning began: a report's time counts from it
 * @param layerFiles the layers' files as the content store names them ({@link
 *     KnownImages#layerFiles}), for the key of a registry target's image; empty when none is
 *     made (the check's key names files by what it reads: {@link KnownImages#checkKey})
 */
public record BuildPlan(
    BuildRequest request,
    Release release,
    LayerPlan layers,
    BaseSpec baseSpec,
    BaseImage base,
    ImageSpec spec,
    Optional<SbomPlan> sbom,
    String appRoot,
    Optional<Target> target,
    Registries registries,
    Path cacheRoot,
    Optional<Duration> releaseStep,
    long started,
    Optional<String> layerFiles) {

  /**
   * How one build talks to registries, decided by probing them before any work.
   *
   * @param insecureNeeded jib must be allowed plain HTTP or unverified TLS (one registry of the
   *     build answered only so)
   * @param credentialsOverHttp jib may send credentials over plain HTTP: every registry of the
   *     build may use it
   * @param credentials every source of registry credentials the build may use
   * @param reader reads manifests and blobs, over the transport each registry answered on
   * @param trust this build's TLS trust (the JVM's CAs plus the extra ones it was given)
   * @param baseReader {@code reader}, taking the base's manifests and config as the plan read
   *     them
   */
  public record Registries(boolean insecureNeeded, boolean credentialsOverHttp,
      RegistryCredentials credentials, RegistryReader reader, TlsTrust trust,
      RegistryReader baseReader) {}
}
