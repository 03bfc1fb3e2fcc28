package dev.relpack.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** relpack's own version, from the build. */
public final class ToolVersion {
  private ToolVersion() {}

  public static String full() {
    try (InputStream in = ToolVersion.class.getResourceAsStream("/dev/relpack/version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The release line ({@code 0.1} for 0.1.x). This, not the full version, goes into image history:
   * a patch release of relpack must not change the digest of an unchanged image.
   */
  public static String line() {
    String[] parts = full().split("[.-]");
    return parts.length >= 2 ? parts[0] + "." + parts[1] : full();
  }
}
