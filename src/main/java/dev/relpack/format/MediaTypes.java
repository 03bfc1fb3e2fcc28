package dev.relpack.format;

/**
 * The media types relpack reads and writes, named once: in registry manifests, OCI layouts and
 * the OCI tarballs jib writes.
 */
public final class MediaTypes {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  /** The empty descriptor's: a blob of {@code {}} where a descriptor is required but unused. */
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.diff.tar.gzip";

  /** A CycloneDX JSON document (an SBOM), as artifact and layer media type alike. */
  public static final String CYCLONEDX_JSON = "application/vnd.cyclonedx+json";
  /** An SPDX JSON document (an SBOM). */
  public static final String SPDX_JSON = "application/spdx+json";

  private MediaTypes() {}
}
