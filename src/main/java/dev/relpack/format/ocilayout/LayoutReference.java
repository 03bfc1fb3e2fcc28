package dev.relpack.format.ocilayout;

import dev.relpack.error.BadInputException;
import java.nio.file.Path;
import java.util.Optional;

/** {@code oci:DIR[:REF]}, as {@code --from} and {@code --to} write it (after the prefix). */
public record LayoutReference(Path dir, Optional<String> ref) {

  /** @param option how to name the option in errors ({@code --from}, {@code --to}) */
  public static LayoutReference parse(String afterPrefix, String option) {
    if (afterPrefix.isEmpty()) {
      throw new BadInputException(option + " oci: names no directory");
    }
    int colon = afterPrefix.lastIndexOf(':');
    if (colon > afterPrefix.lastIndexOf('/') && colon > 0) {
      return new LayoutReference(Path.of(afterPrefix.substring(0, colon)),
          Optional.of(afterPrefix.substring(colon + 1)));
    }
    return new LayoutReference(Path.of(afterPrefix), Optional.empty());
  }
}
