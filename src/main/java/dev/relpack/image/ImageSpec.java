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
}
