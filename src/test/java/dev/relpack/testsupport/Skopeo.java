package dev.relpack.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** skopeo, the independent client that reads what relpack wrote. */
public final class Skopeo {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Skopeo() {}

  /** {@code skopeo inspect} of a transport:reference (docker://, oci:, docker-archive:). */
  public static JsonNode inspect(String image) {
    return json(List.of("inspect", "--tls-verify=false", image));
  }

  /**
   * {@code skopeo inspect} of a registry image as a job would read it: with credentials, and TLS
   * verified with the CAs in {@code certDir} ({@code ca.crt}).
   *
   * @param credentials {@code user:password}
   */
  public static JsonNode inspect(String image, String credentials, java.nio.file.Path certDir) {
    return json(List.of("inspect", "--creds", credentials, "--cert-dir", certDir.toString(),
        "--tls-verify=true", image));
  }

  /** The image config (Entrypoint, User, Env, ... under "config"). */
  public static JsonNode config(String image) {
    return json(List.of("inspect", "--tls-verify=false", "--config", image));
  }

  /** The raw manifest. */
  public static JsonNode manifest(String image) {
    return json(List.of("inspect", "--tls-verify=false", "--raw", image));
  }

  public static void copy(String from, String to) {
    run(List.of("copy", "--src-tls-verify=false", "--dest-tls-verify=false", from, to));
  }

  /** Copies an index with every image it lists, not only this machine's. */
  public static void copyAll(String from, String to) {
    run(List.of("copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", from, to));
  }

  private static JsonNode json(List<String> args) {
    try {
      return JSON.readTree(run(args));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String run(List<String> args) {
    List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    command.addAll(args);
    return Command.run(command, Map.of(), Duration.ofMinutes(2)).requireSuccess().stdout();
  }
}
