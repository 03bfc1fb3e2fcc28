package dev.relpack.base;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.error.CheckFailedException;
import java.util.List;
import java.util.Optional;

/**
 * The platforms ({@code os/architecture}) a base offers: its own for an image, one per entry for
 * an index. ERTS and NIFs are native code: on a base of another architecture the release cannot
 * even start, and jib does not say so (it checks a single image's platform only when the build
 * is not for linux/amd64).
 *
 * @param index whether the base is an index, from which a build can only pick, never override
 */
record BasePlatform(List<String> offered, boolean index) {

  static BasePlatform ofConfig(JsonNode config) {
    return new BasePlatform(List.of(config.path("os").asText("?") + "/"
        + config.path("architecture").asText("?")), false);
  }

  /**
   * @param base the base as the user named it
   * @param architecture the release's native architecture when it has native code and checks are
   *     on; empty to check nothing
   */
  void require(String base, Optional<String> architecture) {
    Optional<String> missing = architecture.map(arch -> "linux/" + arch)
        .filter(wanted -> !offered.contains(wanted));
    if (missing.isPresent()) {
      throw mismatch(base, missing.get());
    }
  }

  /** The failure of a base that does not offer {@code wanted} ({@code os/architecture}). */
  CheckFailedException mismatch(String base, String wanted) {
    return new CheckFailedException("the release will not run on " + base + ": its native code"
        + " (ERTS, NIFs) is " + wanted + ", the base " + (index ? "offers only " : "is ")
        + String.join(", ", offered) + "; choose a " + wanted + " base"
        + (index ? "" : ", or pass --no-check to build anyway"));
  }
}
