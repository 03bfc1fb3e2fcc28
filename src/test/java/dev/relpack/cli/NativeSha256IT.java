package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar relpack.jar build} takes its SHA-256 digests from the system's NSS library, and
 * the image is the same byte for byte as one built with the JDK's digests
 * ({@code RELPACK_NATIVE_SHA256=0}).
 */
class NativeSha256IT {
  private static final Path JAR = Path.of(System.getProperty("relpack.jar", "target/relpack.jar"));

  @TempDir Path work;

  @Test
  void theBuildHashesWithNssAndMakesTheSameImageAsWithTheJdk() throws Exception {
    String nss = build("nss", Map.of());
    assertTrue(nss.contains("SHA-256 digests by the system's NSS library (libnss3)"), nss);
    String jdk = build("jdk", Map.of("RELPACK_NATIVE_SHA256", "0"));
    assertTrue(jdk.contains("SHA-256 digests by the JDK (SUN)"), jdk);
    assertEquals(Files.readString(work.resolve("image-jdk/index.json")),
        Files.readString(work.resolve("image-nss/index.json")), "the same image either way");
  }

  /** Builds the demo to oci:image-NAME with an empty cache and returns its stderr. */
  private String build(String name, Map<String, String> extra) throws Exception {
    Path home = work.resolve("home-" + name);
    Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString(),
        "XDG_CACHE_HOME", home.resolve(".cache").toString(),
        "XDG_STATE_HOME", home.resolve(".state").toString()));
    env.putAll(extra);
    Command.Result result = Command.run(List.of(java(), "-jar", JAR.toString(), "build",
        "--release", Testdata.demoTarball().toString(), "--to",
        "oci:" + work.resolve("image-" + name), "-v", "--progress", "plain"), env,
        Duration.ofMinutes(3));
    result.requireSuccess();
    return result.stderr();
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
