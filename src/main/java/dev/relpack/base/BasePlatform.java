package dev.relpack.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.error.CheckFailedException;
import java.util.List;
import java.util.Optional;

/**
 * The platforms a base offers: its own for an image, one per entry for an index. ERTS and NIFs
 * are native code: on a base of another architecture the release cannot even start, and jib does
 * not say so (it checks a single image's platform only when the build is not for linux/amd64).
 *
 * @param offered empty when the base says nothing of its platform
 * @param index whether the base is an index, from which a build can only pick, never override
 */
record BasePlatform(List<Platform> offered, boolean index) {

  BasePlatform {
    offered = List.copyOf(offered);
  }

  static BasePlatform ofConfig(JsonNode config) {
    return new BasePlatform(List.of(new Platform(config.path("architecture").asText("unknown"),
        config.path("os").asText("unknown"))), false);
  }

  /** What the base image itself is for, when it is one image that says. */
  Optional<String> imageArchitecture() {
    return index || offered.size() != 1 ? Optional.empty()
        : Optional.of(offered.get(0).getArchitecture());
  }

  /**
   * The check every base of an image gets: an index must offer the platform, as there is
   * nothing else to pick; a single image must when checks are on and the release has native code.
   */
  void check(String base, BaseContext context) {
    if (index) {
      require(base, context.architecture(), context.nativeArchitecture().isPresent());
    } else {
      context.architectureToCheck().ifPresent(arch -> require(base, arch, true));
    }
  }

  private void require(String base, String architecture, boolean nativeCode) {
    if (!offered.isEmpty() && !offered.contains(new Platform(architecture, "linux"))) {
      throw mismatch(base, architecture, nativeCode);
    }
  }

  /** The failure of a base that does not offer linux/{@code architecture}. */
  CheckFailedException mismatch(String base, String architecture, boolean nativeCode) {
    String wanted = "linux/" + architecture;
    List<String> known = offered.stream().map(BasePlatform::name)
        .filter(name -> !name.equals("unknown/unknown")).distinct().toList();
    String has = known.isEmpty() ? "offers no platform relpack can use"
        : (index ? "offers only " : "is ") + String.join(", ", known);
    if (!nativeCode) {
      return new CheckFailedException(base + " has no " + wanted + " image (the release has no"
          + " native code, so this machine's platform was asked for): the base " + has);
    }
    return new CheckFailedException("the release will not run on " + base + ": its native code"
        + " (ERTS, NIFs) is " + wanted + ", the base " + has + "; choose a " + wanted + " base");
  }

  private static String name(Platform platform) {
    return platform.getOs() + "/" + platform.getArchitecture();
  }
}
