package dev.relpack.sbom;

import dev.relpack.error.InternalException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What an image holds, in the order and with the identity that make it the same bytes for the
 * same image in either format.
 *
 * @param subject the release, the document's main component
 * @param components everything else, sorted by {@link SbomComponent#ORDER}
 * @param serialNumber derived from the image digest (or, without an image, from the release's
 *     content), never random
 * @param timestamp when the sources say it was made ({@code SOURCE_DATE_EPOCH}, the commit
 *     time); empty rather than the clock
 * @param toolVersion relpack's version
 * @param imageDigest the image the document describes, when one was built
 */
public record Sbom(SbomComponent subject, List<SbomComponent> components, UUID serialNumber,
    Optional<Instant> timestamp, String toolVersion, Optional<String> imageDigest) {

  /** The tool's name, as both formats name their creator. */
  public static final String TOOL = "relpack";

  public Sbom {
    List<SbomComponent> sorted = new ArrayList<>(components);
    sorted.sort(SbomComponent.ORDER);
    components = List.copyOf(sorted);
    Set<String> refs = new HashSet<>();
    refs.add(subject.ref());
    for (SbomComponent component : components) {
      if (!refs.add(component.ref())) {
        throw new InternalException("the SBOM lists two components as " + component.ref(), null);
      }
    }
  }
}
