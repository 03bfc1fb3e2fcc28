package dev.relpack.base;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.relpack.error.BadInputException;
import java.nio.file.Path;
import java.util.Optional;

/** Where the user asked the base image to come from ({@code --from}). */
public sealed interface BaseSpec {

  /** A registry reference such as {@code alpine:3.20} or {@code reg.example.com/x/y@sha256:...}. */
  record Registry(ImageReference reference) implements BaseSpec {}

  /** {@code tar:PATH}: a {@code docker save} archive. */
  record DockerArchive(Path tar) implements BaseSpec {}

  /** {@code oci:DIR[:REF]}: an OCI image layout directory. */
  record OciLayout(Path dir, Optional<String> refName) implements BaseSpec {}

  /** {@code scratch}: no base at all. */
  record Scratch() implements BaseSpec {}

  /** {@code host}: the files of this machine that the release needs. */
  record Host() implements BaseSpec {}

  static BaseSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new BadInputException("--from is empty; give a registry reference, tar:PATH, oci:DIR,"
          + " scratch or host");
    }
    if (text.equals("scratch")) {
      return new Scratch();
    }
    if (text.equals("host")) {
      return new Host();
    }
    if (text.startsWith("tar:")) {
      return new DockerArchive(Path.of(requirePath(text, "tar:")));
    }
    if (text.startsWith("oci:")) {
      String rest = requirePath(text, "oci:");
      int colon = rest.lastIndexOf(':');
      return colon > rest.lastIndexOf('/') && colon > 0
          ? new OciLayout(Path.of(rest.substring(0, colon)), Optional.of(rest.substring(colon + 1)))
          : new OciLayout(Path.of(rest), Optional.empty());
    }
    try {
      return new Registry(ImageReference.parse(text));
    } catch (InvalidImageReferenceException e) {
      throw new BadInputException("--from " + text + " is not an image reference (e.g."
          + " alpine:3.20, registry.example.com/group/image@sha256:...), tar:PATH, oci:DIR,"
          + " scratch or host");
    }
  }

  private static String requirePath(String text, String prefix) {
    String path = text.substring(prefix.length());
    if (path.isEmpty()) {
      throw new BadInputException("--from " + text + " names no path after '" + prefix + "'");
    }
    return path;
  }
}
