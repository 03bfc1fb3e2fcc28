package dev.relpack.base;

import java.util.List;
import java.util.Optional;

/**
 * What the boot check reads from a base: its layers, bottom first, whose files make its root file
 * system, and its config's environment, as the release script will see it ({@code PATH} decides
 * where the commands it calls, and {@code erl}, are found). One per kind of base: {@link
 * RegistryLayers#files}, {@link DockerArchiveBase#files} ({@code tar:}), {@link OciLayoutBase#files}
 * ({@code oci:}), {@link #scratch()}.
 *
 * @param layers opened lazily, each checked against its digest as it is read
 * @param env the config's {@code Env}: {@code NAME=value} each, in order
 */
public record BaseFiles(List<BaseLayer> layers, List<String> env) {

  public BaseFiles {
    layers = List.copyOf(layers);
    env = List.copyOf(env);
  }

  /** No base: no files, no environment. */
  public static BaseFiles scratch() {
    return new BaseFiles(List.of(), List.of());
  }

  /** The image's PATH, or the one container runtimes give an image whose config sets none. */
  public List<String> path() {
    return variable("PATH").map(p -> List.of(p.split(":"))).orElse(BaseImage.DEFAULT_PATH);
  }

  /** For the boot check, when it is already known. */
  BaseImage.Contents contents() {
    return new BaseImage.LayerContents(() -> this);
  }

  /** The value of {@code NAME} in the environment (the last, if it is set twice). */
  public Optional<String> variable(String name) {
    Optional<String> value = Optional.empty();
    for (String variable : env) {
      if (variable.startsWith(name + "=")) {
        value = Optional.of(variable.substring(name.length() + 1));
      }
    }
    return value;
  }
}
