package dev.relpack.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An image from an OCI layout, unpacked with umoci and started with bubblewrap the way a container
 * runtime would: its entrypoint as PID 1, its env, user and working directory, a read-only root
 * with a writable tmpfs on /tmp, sharing the network so tests reach it on loopback (with an epmd
 * port of its own, as its own network would give it).
 */
public final class RunningImage implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();
  private static final int BOOT_ATTEMPTS = 3;
  private final Process bwrap;
  private final Path output;
  private final int port;

  private RunningImage(Process bwrap, Path output, int port) {
    this.bwrap = bwrap;
    this.output = output;
    this.port = port;
  }

  /**
   * Unpacks {@code layout:tag} under {@code work}, starts it with {@code PORT} set, and waits
   * until it answers HTTP on that port.
   */
  public static RunningImage boot(Path layout, String tag, Path work) throws IOException {
    Sandbox sandbox = Sandbox.unpack(layout, tag, work);
    for (int attempt = 1; ; attempt++) {
      RunningImage image = start(sandbox, work.resolve("boot-" + attempt + ".log"));
      if (image.answers() || attempt == BOOT_ATTEMPTS || !image.output().contains("eaddrinuse")) {
        return image.answeringOrFail();
      }
      // Another process took the port between its choice and the BEAM's listen: a new one.
      image.close();
    }
  }

  private static RunningImage start(Sandbox sandbox, Path output) throws IOException {
    int port = FreePort.find();
    List<String> command = new ArrayList<>(sandbox.bwrap());
    command.addAll(List.of("--setenv", "PORT", String.valueOf(port)));
    command.addAll(ownEpmd());
    sandbox.process().path("args").forEach(a -> command.add(a.asText()));
    Process bwrap = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    return new RunningImage(bwrap, output, port);
  }

  /** Waits until the image answers HTTP on its port or exits: true if it answers. */
  private boolean answers() {
    Waiting.until("the image answers on port " + port + " or exits", Duration.ofSeconds(60),
        () -> !bwrap.isAlive() || tryGet("/").isPresent());
    return bwrap.isAlive(); // alive when the wait ended: it answered, not asked again
  }

  private RunningImage answeringOrFail() {
    if (!bwrap.isAlive()) {
      throw new AssertionError("the image exited " + bwrap.exitValue() + ": " + output());
    }
    return this;
  }

  /**
   * Runs {@code layout:tag} to completion as {@code docker run IMAGE ARGS...} and Kubernetes
   * {@code args:} do: the image's Entrypoint, read from its config by skopeo, followed by {@code
   * args} in place of its Cmd.
   */
  public static Command.Result runWithArguments(Path layout, String tag, Path work,
      List<String> args) throws IOException {
    JsonNode entrypoint = Skopeo.config("oci:" + layout + ":" + tag).path("config")
        .path("Entrypoint");
    if (entrypoint.isEmpty()) {
      throw new AssertionError("the image has no Entrypoint to give arguments to");
    }
    List<String> command = new ArrayList<>(Sandbox.unpack(layout, tag, work).bwrap());
    command.addAll(ownEpmd());
    entrypoint.forEach(a -> command.add(a.asText()));
    command.addAll(args);
    return Command.run(command, Map.of(), Duration.ofSeconds(60));
  }

  /**
   * A container has its own network, so its own epmd on 4369. These sandboxes share the host's,
   * and two images booting at once (failsafe runs two classes at a time) met on one epmd: the one
   * that started it took it down on exit, and the other failed to register ("register/listen
   * error: econnrefused"). A port of its own keeps each one apart.
   */
  private static List<String> ownEpmd() {
    return List.of("--setenv", "ERL_EPMD_PORT", String.valueOf(FreePort.find()));
  }

  /** An unpacked image and the bwrap command line that starts a process in it. */
  private record Sandbox(JsonNode process, List<String> bwrap) {
    static Sandbox unpack(Path layout, String tag, Path work) throws IOException {
      Path bundle = work.resolve("bundle");
      Command.run(List.of("umoci", "unpack", "--image", layout + ":" + tag, bundle.toString()),
          Map.of(), Duration.ofMinutes(2)).requireSuccess();
      JsonNode process = new ObjectMapper().readTree(bundle.resolve("config.json").toFile())
          .path("process");
      Path rootfs = bundle.resolve("rootfs");
      // a runtime creates its mount points before making the root read-only
      Files.createDirectories(rootfs.resolve("proc"));
      Files.createDirectories(rootfs.resolve("dev"));
      Files.createDirectories(rootfs.resolve("tmp"));
      List<String> command = new ArrayList<>(List.of("bwrap", "--ro-bind", rootfs.toString(), "/",
          "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
          "--unshare-user", "--uid", process.path("user").path("uid").asText(),
          "--gid", process.path("user").path("gid").asText(),
          "--unshare-pid", "--unshare-ipc", "--as-pid-1", "--die-with-parent",
          "--chdir", process.path("cwd").asText("/"), "--clearenv"));
      for (JsonNode pair : process.path("env")) {
        String[] kv = pair.asText().split("=", 2);
        command.addAll(List.of("--setenv", kv[0], kv[1]));
      }
      return new Sandbox(process, List.copyOf(command));
    }
  }

  /** The body of a 200 answer to GET {@code path}. */
  public String get(String path) {
    return tryGet(path).orElseThrow(() -> new AssertionError("GET " + path + " failed: " + output()));
  }

  private Optional<String> tryGet(String path) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Sends SIGTERM to the entrypoint (PID 1 in the image, as `docker stop` does) and returns its
   * exit status once it has stopped.
   */
  public int terminate(Duration limit) throws InterruptedException {
    ProcessHandle pid1 = bwrap.toHandle().children().findFirst()
        .orElseThrow(() -> new AssertionError("no entrypoint process under bwrap"));
    Command.run(List.of("kill", "-TERM", String.valueOf(pid1.pid())), Map.of(), Duration.ofSeconds(10))
        .requireSuccess();
    if (!bwrap.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running " + limit + " after SIGTERM: " + output());
    }
    return bwrap.exitValue();
  }

  public String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      return "(no output)";
    }
  }

  @Override
  public void close() {
    bwrap.descendants().forEach(ProcessHandle::destroyForcibly);
    bwrap.destroyForcibly();
  }
}
