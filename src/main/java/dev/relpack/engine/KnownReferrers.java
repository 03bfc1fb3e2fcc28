package dev.relpack.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SBOM each known image had attached, under the image's key ({@link KnownImages#key}), the
 * SBOM's media type and the time it is dated with (which the environment may set): a build that
 * tags its known image finds there the referrer it attached before and only checks that the
 * registry still holds and lists it ({@code Target#attached}), instead of making the SBOM again
 * and attaching it (a document, and five requests). What a key covers (the release, the base,
 * the settings, relpack's version) and the two values besides are all the SBOM is made of.
 *
 * <p>Kept in this user's private state directory, as the known images are, and dropped unused
 * as they are.
 */
final class KnownReferrers {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private final Path dir;

  /** @param dir this user's private directory for them */
  KnownReferrers(Path dir) {
    this.dir = dir;
  }

  /**
   * The referrer attached for the image {@code imageKey}, of that media type and date.
   *
   * @param dated the time the SBOM is dated with, as text
   */
  Optional<String> find(String imageKey, String mediaType, String dated) {
    try {
      String key = key(imageKey, mediaType, dated);
      Optional<byte[]> bytes = KnownImages.read(dir, key);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      JsonNode referrer = JSON.readTree(bytes.get()).path("referrer");
      if (!referrer.isTextual() || !SHA256.matcher(referrer.textValue()).matches()) {
        return Optional.empty();
      }
      KnownImages.markUsed(dir, key);
      return Optional.of(referrer.textValue());
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // the SBOM is made and attached again
    }
  }

  /** Keeps {@code referrer}; failing to costs a later build an attachment. */
  void remember(String imageKey, String mediaType, String dated, String referrer) {
    if (!SHA256.matcher(referrer).matches()) {
      return;
    }
    try {
      KnownImages.write(dir, key(imageKey, mediaType, dated),
          JSON.writeValueAsBytes(JSON.createObjectNode().put("referrer", referrer)));
    } catch (IOException | RuntimeException e) {
      // not kept: the next build attaches the SBOM again
    }
  }

  private static String key(String imageKey, String mediaType, String dated) {
    return Sha256.of("relpack known referrer 1\n" + imageKey + "\n" + mediaType + "\n" + dated);
  }
}
