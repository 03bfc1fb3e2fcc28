package dev.relpack.publish;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The distribution spec's rules for tags and repository paths, with the reason a name breaks
 * them: jib only says a reference is invalid, and a user with {@code -t $CI_COMMIT_TAG} from an
 * unset variable, or {@code :v1+build} in a reference, needs to know which part and why.
 */
public final class ImageNames {
  /** A tag, as the OCI distribution spec defines it. */
  public static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  /** One path component of a repository name. */
  public static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");

  /** How a tag message states the rule. */
  public static final String TAG_RULE = "a tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127}: letters,"
      + " digits, '_', '.' and '-', up to 128 characters, not starting with '.' or '-'";

  private static final String PATH_RULE = "each path component is lower-case letters and digits,"
      + " separated by '.', '_', '__' or dashes, and starts and ends with a letter or digit";

  private ImageNames() {}

  /** Why {@code tag} is not a valid tag, or empty if it is. */
  public static Optional<String> tagProblem(String tag) {
    if (tag.isEmpty()) {
      return Optional.of("is empty (a CI variable that is not set in this job, perhaps)");
    }
    if (TAG.matcher(tag).matches()) {
      return Optional.empty();
    }
    if (tag.length() > 128) {
      return Optional.of("is " + tag.length() + " characters long; " + TAG_RULE);
    }
    if (tag.charAt(0) == '.' || tag.charAt(0) == '-') {
      return Optional.of("starts with '" + tag.charAt(0) + "'; " + TAG_RULE);
    }
    return Optional.of("holds " + quoted(firstOutside(tag, "[A-Za-z0-9_.-]")) + ", which a tag"
        + " cannot; " + TAG_RULE);
  }

  /** Why {@code path} (components separated by '/') is not a repository path, or empty. */
  public static Optional<String> pathProblem(String path) {
    if (path.isEmpty()) {
      return Optional.of("is empty");
    }
    for (String component : path.split("/", -1)) {
      if (component.isEmpty()) {
        return Optional.of("has an empty path component; " + PATH_RULE);
      }
      if (!PATH_COMPONENT.matcher(component).matches()) {
        if (!component.equals(component.toLowerCase(java.util.Locale.ROOT))) {
          return Optional.of("has upper-case letters in " + component + "; " + PATH_RULE);
        }
        return Optional.of("has an invalid path component " + component + "; " + PATH_RULE);
      }
    }
    return Optional.empty();
  }

  private static String firstOutside(String text, String allowed) {
    int cp = text.codePoints().filter(c -> !Character.toString(c).matches(allowed)).findFirst()
        .orElse('?');
    return Character.toString(cp);
  }

  private static String quoted(String character) {
    return character.isBlank() ? "a space or control character" : "'" + character + "'";
  }
}
