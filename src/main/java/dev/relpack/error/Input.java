package dev.relpack.error;

import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a user gives a build, named in relpack's messages as a fact, not as a flag: the core
 * writes {@code "{to} is empty"}, and each front end words it in its own terms when it shows the
 * message ({@code --to} on the command line, {@code <to>} in a pom). {@link #toString()} is that
 * placeholder, so a message may be written {@code Input.TO + " is empty"}.
 */
public enum Input {
  RELEASE, PROJECT_DIR, MIX_ENV, NO_DEPS_GET, RELEASE_NAME, REBAR_PROFILE, NO_RELEASE, APP,
  FROM, TO, IMAGE_NAME, TAG, PORT, ENV, LABEL, USER, APP_ROOT, INSECURE, REGISTRY_CA, DIGEST_FILE, METADATA,
  DOTENV, SBOM, SBOM_FORMAT, NO_SBOM, CACHE_DIR, CACHE_FROM, NO_CACHE_FROM, TIMEOUT, NO_CHECK;

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z][a-z-]*[a-z])\\}");

  /** The input's name in words: {@code to}, {@code registry-ca}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The placeholder a message holds for this input: {@code {registry-ca}}. */
  @Override
  public String toString() {
    return "{" + key() + "}";
  }

  /**
   * {@code message} with each input named as {@code spelling} says; braces around anything else
   * (an Erlang term, say) are left alone.
   */
  public static String render(String message, Function<Input, String> spelling) {
    Matcher matcher = PLACEHOLDER.matcher(message);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      Input input = byKey(matcher.group(1));
      matcher.appendReplacement(out,
          Matcher.quoteReplacement(input == null ? matcher.group() : spelling.apply(input)));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private static Input byKey(String key) {
    for (Input input : values()) {
      if (input.key().equals(key)) {
        return input;
      }
    }
    return null;
  }
}
