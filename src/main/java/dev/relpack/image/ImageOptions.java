package dev.relpack.image;

import dev.relpack.error.BadInputException;
import dev.relpack.error.Input;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the user chose about the image ({@code --app-root}, {@code --user}, {@code -p}, {@code
 * -e}, {@code -l}), checked here so a bad value fails before anything is built.
 */
public record ImageOptions(
    String appRoot, String user, List<String> ports, Map<String, String> env,
    Map<String, String> labels) {
  public static final String DEFAULT_APP_ROOT = "/app";
  public static final String DEFAULT_USER = "65534:65534";
  private static final Pattern PORT = Pattern.compile("(\\d{1,5})(/(tcp|udp))?");
  private static final Pattern USER =
      Pattern.compile("([0-9]+|[a-z_][a-z0-9_.-]*)(:([0-9]+|[a-z_][a-z0-9_.-]*))?");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public ImageOptions {
    appRoot = checkAppRoot(appRoot);
    if (!USER.matcher(user).matches()) {
      throw new BadInputException("{user} " + user + " is not UID:GID (e.g. 65534:65534)");
    }
    ports = ports.stream().map(ImageOptions::checkPort).toList();
    for (String name : env.keySet()) {
      if (!ENV_NAME.matcher(name).matches()) {
        throw new BadInputException(Input.ENV + " " + name + "=...: " + name
            + " is not a valid environment variable name");
      }
    }
    for (String label : labels.keySet()) {
      if (label.isBlank()) {
        throw new BadInputException(Input.LABEL + " =...: a label needs a key");
      }
    }
    env = Map.copyOf(env);
    labels = Map.copyOf(labels);
  }

  /** Parses repeated {@code KEY=VALUE} options into a map; {@code option} names them in errors. */
  public static Map<String, String> keyValues(Input option, List<String> values) {
    java.util.LinkedHashMap<String, String> map = new java.util.LinkedHashMap<>();
    for (String value : values) {
      int equals = value.indexOf('=');
      if (equals <= 0) {
        throw new BadInputException(option + " " + value + " is not KEY=VALUE");
      }
      map.put(value.substring(0, equals), value.substring(equals + 1));
    }
    return map;
  }

  private static String checkAppRoot(String appRoot) {
    String normal = appRoot.startsWith("/") ? Path.of(appRoot).normalize().toString() : "";
    if (normal.isEmpty() || normal.equals("/") || !normal.equals(appRoot.replaceAll("/+$", ""))
        || appRoot.contains("..")) {
      throw new BadInputException("{app-root} " + appRoot
          + " must be an absolute directory below / (e.g. /app)");
    }
    return normal;
  }

  private static String checkPort(String port) {
    var matcher = PORT.matcher(port);
    if (!matcher.matches() || Integer.parseInt(matcher.group(1)) < 1
        || Integer.parseInt(matcher.group(1)) > 65535) {
      throw new BadInputException(Input.PORT + " " + port + " is not PORT or PORT/udp with PORT in 1-65535");
    }
    return Integer.parseInt(matcher.group(1)) + "/" + (matcher.group(3) == null ? "tcp" : matcher.group(3));
  }

  /**
   * These options with {@code defaults} under the user's labels: a label the user gave wins.
   * For what relpack learns from the project (its licenses) rather than from the user.
   */
  public ImageOptions withDefaultLabels(Map<String, String> defaults) {
    Map<String, String> merged = new java.util.TreeMap<>(defaults);
    merged.putAll(labels);
    return new ImageOptions(appRoot, user, ports, env, merged);
  }
}
