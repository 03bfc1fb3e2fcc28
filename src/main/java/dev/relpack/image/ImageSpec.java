package dev.relpack.image;

import dev.relpack.base.BaseImage;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything that decides the image, and nothing else: the same spec gives the same digest.
 *
 * @param name what the image is called where a target needs a name (the release's name)
 * @param entrypoint the release's start script alone, so a runtime's arguments go to it
 *     ({@code docker run IMAGE eval "..."}, Kubernetes {@code args: [remote]})
 * @param cmd the script's command when none is given: {@code start} for mix, {@code foreground}
 *     for distillery, exrm and relx (the OCI config's {@code Cmd})
 * @param architecture the OCI architecture (amd64, arm64, ...) of the release's native code
 */
public record ImageSpec(
    String name,
    BaseImage base,
    List<ImageLayer> layers,
    List<String> entrypoint,
    List<String> cmd,
    SortedMap<String, String> environment,
    List<String> ports,
    String user,
    String workingDirectory,
    SortedMap<String, String> labels,
    Instant created,
    String architecture) {

  public ImageSpec {
    layers = List.copyOf(layers);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    environment = new TreeMap<>(environment);
    ports = List.copyOf(ports);
    labels = new TreeMap<>(labels);
  }

  /** The labels that OCI defines as manifest annotations too, so rebase and update tools find them. */
  private static final List<String> ANNOTATED =
      List.of("org.opencontainers.image.base.name", "org.opencontainers.image.base.digest");

  /**
   * The manifest's annotations: the base's name and digest, as the labels give them, when the
   * base is a registry image (rebase and update tools read them from the manifest, where OCI
   * defines them, and pull the base by them). A host, scratch, {@code tar:} or {@code oci:} base
   * is no reference such a tool could pull: its labels say what it was, and no annotation does.
   */
  public SortedMap<String, String> annotations() {
    SortedMap<String, String> annotations = new TreeMap<>();
    if (!(base.source() instanceof BaseImage.RegistrySource)) {
      return annotations;
    }
    ANNOTATED.stream().filter(labels::containsKey).forEach(k -> annotations.put(k, labels.get(k)));
    return annotations;
  }
}
