package dev.relpack.sbom;

import dev.relpack.base.OsInventory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Package URLs (github.com/package-url/purl-spec) for what an image holds: {@code hex} for Hex
 * packages, {@code otp} for every other OTP application and ERTS (the Erlang Ecosystem
 * Foundation's type for applications that come from no Hex repository: OTP's, Elixir's, path and
 * git dependencies, the project's own), {@code deb} and {@code apk} for OS packages, {@code oci}
 * for a base pinned in a registry.
 */
final class Purl {
  private Purl() {}

  /**
   * {@code pkg:hex/NAME@VSN}, or {@code pkg:hex/ORG/NAME@VSN} for a package of a Hex
   * organisation (mix.lock's repo {@code hexpm:ORG}).
   */
  static String hex(Optional<String> organisation, String name, String version) {
    return "pkg:hex/" + organisation.map(o -> encode(o.toLowerCase(java.util.Locale.ROOT)) + "/")
        .orElse("") + encode(name.toLowerCase(java.util.Locale.ROOT)) + "@" + encode(version);
  }

  /**
   * {@code pkg:otp/NAME@VSN}, with {@code platform=linux&arch=ARCH} when the application carries
   * native code built for one.
   */
  static String otp(String name, String version, Optional<String> architecture) {
    Map<String, String> qualifiers = new TreeMap<>();
    architecture.ifPresent(arch -> {
      qualifiers.put("arch", arch);
      qualifiers.put("platform", "linux");
    });
    return "pkg:otp/" + encode(name.toLowerCase(java.util.Locale.ROOT)) + "@" + encode(version)
        + qualifiers(qualifiers);
  }

  /**
   * {@code pkg:deb/ID/NAME@VERSION?arch=ARCH&distro=ID-VERSION_ID} or {@code
   * pkg:apk/ID/NAME@VERSION?arch=ARCH&distro=VERSION_ID}, as Trivy writes them.
   */
  static String os(OsInventory.OsPackage pkg, Optional<OsInventory.OsRelease> os) {
    String type = pkg.kind() == OsInventory.PackageKind.DPKG ? "deb" : "apk";
    String namespace = os.map(OsInventory.OsRelease::id)
        .orElse(pkg.kind() == OsInventory.PackageKind.DPKG ? "debian" : "alpine");
    Map<String, String> qualifiers = new TreeMap<>();
    if (!pkg.architecture().isEmpty()) {
      qualifiers.put("arch", pkg.architecture());
    }
    os.flatMap(OsInventory.OsRelease::versionId).ifPresent(version -> qualifiers.put("distro",
        pkg.kind() == OsInventory.PackageKind.DPKG ? namespace + "-" + version : version));
    return "pkg:" + type + "/" + encode(namespace.toLowerCase(java.util.Locale.ROOT)) + "/"
        + encode(pkg.name()) + "@" + encode(pkg.version()) + qualifiers(qualifiers);
  }

  /**
   * {@code pkg:oci/NAME@sha256%3A...?repository_url=REGISTRY/REPOSITORY}: NAME is the
   * repository's last segment, as the oci type defines it; Docker Hub is {@code docker.io}.
   */
  static String oci(String registryRepository, String digest) {
    // Docker Hub's API host, as jib names it, is docker.io in purls as in image names
    if (registryRepository.startsWith("registry-1.docker.io/")) {
      registryRepository = "docker.io/" + registryRepository.substring("registry-1.docker.io/".length());
    }
    String name = registryRepository.substring(registryRepository.lastIndexOf('/') + 1);
    return "pkg:oci/" + encode(name.toLowerCase(java.util.Locale.ROOT)) + "@" + encode(digest)
        + qualifiers(Map.of("repository_url", registryRepository));
  }

  private static String qualifiers(Map<String, String> qualifiers) {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(qualifiers).forEach((key, value) ->
        out.append(out.length() == 0 ? '?' : '&').append(key).append('=').append(encodeValue(value)));
    return out.toString();
  }

  /** Percent-encodes all but the unreserved characters, as purl-spec asks of each part. */
  static String encode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_' || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format(java.util.Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** A qualifier value: as a part, but '/' may stay (a repository_url's path). */
  private static String encodeValue(String text) {
    return encode(text).replace("%2F", "/");
  }
}
