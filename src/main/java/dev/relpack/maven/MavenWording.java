package dev.relpack.maven;

import dev.relpack.error.Input;
import java.util.EnumMap;
import java.util.Map;

/**
 * relpack's messages in a pom user's words: where a message names an input (the command line
 * says {@code --to}, {@code --registry-ca}) the goal's user set a parameter ({@code <to>},
 * {@code <registryCas>}).
 */
final class MavenWording {
  private static final Map<Input, String> PARAMETERS = new EnumMap<>(Map.ofEntries(
      Map.entry(Input.RELEASE, "release"), Map.entry(Input.PROJECT_DIR, "projectDir"),
      Map.entry(Input.MIX_ENV, "mixEnv"), Map.entry(Input.NO_DEPS_GET, "noDepsGet"),
      Map.entry(Input.RELEASE_NAME, "releaseName"), Map.entry(Input.REBAR_PROFILE, "rebarProfile"),
      Map.entry(Input.NO_RELEASE, "noRelease"), Map.entry(Input.APP, "apps"),
      Map.entry(Input.FROM, "from"), Map.entry(Input.TO, "to"),
      Map.entry(Input.IMAGE_NAME, "imageName"), Map.entry(Input.TAG, "tags"),
      Map.entry(Input.PORT, "ports"), Map.entry(Input.ENV, "environment"),
      Map.entry(Input.LABEL, "labels"), Map.entry(Input.USER, "user"),
      Map.entry(Input.APP_ROOT, "appRoot"), Map.entry(Input.INSECURE, "insecure"),
      Map.entry(Input.REGISTRY_CA, "registryCas"), Map.entry(Input.DIGEST_FILE, "digestFile"),
      Map.entry(Input.METADATA, "metadataFile"),
      Map.entry(Input.DOTENV, "dotenvFile"), Map.entry(Input.SBOM, "sbomFile"),
      Map.entry(Input.SBOM_FORMAT, "sbomFormat"), Map.entry(Input.NO_SBOM, "noSbom"), Map.entry(Input.CACHE_DIR, "cacheDir"),
      Map.entry(Input.CACHE_FROM, "cacheFrom"), Map.entry(Input.NO_CACHE_FROM, "noCacheFrom"),
      Map.entry(Input.TIMEOUT, "timeout"), Map.entry(Input.NO_CHECK, "noCheck")));

  private MavenWording() {}

  /** The goal's parameter for each input. */
  static Map<Input, String> parameters() {
    return PARAMETERS;
  }

  static String of(String message) {
    return Input.render(message, input -> "<" + PARAMETERS.get(input) + ">");
  }
}
