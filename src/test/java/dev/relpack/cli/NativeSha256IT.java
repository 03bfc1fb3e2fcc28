package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar relpack.jar build} takes its SHA-256 digests from the system's NSS library
 * from the start when its cache never built (it will hash its inputs), and the image is the same
 * byte for byte as one built with the JDK's digests ({@code RELPACK_NATIVE_SHA256=0}); a warm
 * build, hashing little, never loads NSS.
 */
class NativeSha256IT {
  private static final Path JAR = Path.of(System.getProperty("relpack.jar", "target/relpack.jar"));

  @TempDir Path work;

  @Test
  void aColdBuildHashesWithNssAndMakesTheSameImageAsWithTheJdk() throws Exception {
    String nss = build("nss", Map.of());
    // its cache never built: the launcher has NSS loaded as the build's JVM starts
    assertTrue(nss.matches("(?s).*SHA-256 digests: [0-9.]+ MB hashed, by the system's NSS library"
        + " \\(libnss3\\) from the start.*"), nss);
    String jdk = build("jdk", Map.of("RELPACK_NATIVE_SHA256", "0"));
    assertTrue(jdk.contains("SHA-256 digests: by the JDK (SUN)"), jdk);
    assertEquals(Files.readString(work.resolve("image-jdk/index.json")),
        Files.readString(work.resolve("image-nss/index.json")), "the same image either way");
  }

  @Test
  void aWarmBuildToARegistryHashesTooLittleToLoadNss() throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String from = new TestBases(work.resolve("bases"), TestBases.unpackDemo(work.resolve("demo")))
          .get(TestBases.Name.COMPLETE).pushedTo(registry);
      List<String> toRegistry = List.of("--from", from, "--to", registry.address() + "/sha/demo:1");
      String cold = run("push", toRegistry, Map.of());
      assertTrue(cold.contains("by the system's NSS library"), cold);
      String warm = run("push", toRegistry, Map.of());
      assertTrue(warm.matches("(?s).*SHA-256 digests: 0\\.[0-9] MB hashed, by the JDK \\(too little"
          + " to load NSS for\\).*"), warm);
    }
  }

  /** Builds the demo to oci:image-NAME with the cache of home-NAME and returns its stderr. */
  private String build(String name, Map<String, String> extra) throws Exception {
    return run(name, List.of("--to", "oci:" + work.resolve("image-" + name)), extra);
  }

  /** Builds the demo with the cache and state of home-NAME, and returns its stderr. */
  private String run(String name, List<String> target, Map<String, String> extra)
      throws Exception {
    Path home = work.resolve("home-" + name);
    Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString(),
        "XDG_CACHE_HOME", home.resolve(".cache").toString(),
        "XDG_STATE_HOME", home.resolve(".state").toString()));
    env.putAll(extra);
    List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString(), "build",
        "--release", Testdata.demoTarball().toString(), "-v", "--progress", "plain"));
    command.addAll(target);
    Command.Result result = Command.run(command, env, Duration.ofMinutes(3));
    result.requireSuccess();
    return result.stderr();
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
