package dev.relpack.maven;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * relpack's messages in a pom user's words: where a message names a command-line option
 * ({@code --to}, {@code --registry-ca}) the goal's user set a parameter ({@code <to>}, {@code
 * <registryCas>}) instead. Options the goal has no parameter for are left as they are.
 */
final class MavenWording {
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--([a-z][a-z-]*[a-z])");
  private static final Map<String, String> PARAMETERS = Map.ofEntries(
      Map.entry("release", "release"), Map.entry("project-dir", "projectDir"),
      Map.entry("mix-env", "mixEnv"), Map.entry("no-deps-get", "noDepsGet"),
      Map.entry("release-name", "releaseName"), Map.entry("rebar-profile", "rebarProfile"),
      Map.entry("no-release", "noRelease"), Map.entry("app", "apps"),
      Map.entry("from", "from"), Map.entry("to", "to"), Map.entry("tag", "tags"),
      Map.entry("port", "ports"), Map.entry("env", "environment"), Map.entry("label", "labels"),
      Map.entry("user", "user"), Map.entry("app-root", "appRoot"),
      Map.entry("insecure", "insecure"), Map.entry("registry-ca", "registryCas"),
      Map.entry("digest-file", "digestFile"), Map.entry("metadata", "metadataFile"),
      Map.entry("cache-dir", "cacheDir"), Map.entry("timeout", "timeout"),
      Map.entry("no-check", "noCheck"));

  private MavenWording() {}

  /** The parameter each command-line option of {@code relpack build} is, in the goal. */
  static Map<String, String> parameters() {
    return PARAMETERS;
  }

  static String of(String message) {
    Matcher matcher = OPTION.matcher(message);
    StringBuilder worded = new StringBuilder();
    while (matcher.find()) {
      String parameter = PARAMETERS.get(matcher.group(1));
      matcher.appendReplacement(worded,
          Matcher.quoteReplacement(parameter == null ? matcher.group() : "<" + parameter + ">"));
    }
    matcher.appendTail(worded);
    return worded.toString();
  }
}
