package dev.relpack.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CNCF distribution registry (Debian's docker-registry), started for a test on a free
 * loopback port with its storage in the test's directory: plain, with htpasswd auth, or with TLS.
 * Its access log tells which requests relpack made.
 */
public final class RegistryServer implements AutoCloseable {
  private static final Pattern ACCESS =
      Pattern.compile("\"(GET|HEAD|POST|PATCH|PUT|DELETE) (\\S+) HTTP/[\\d.]+\" (\\d{3})");
  private final Process process;
  private final Path log;
  private final int port;
  private final Path certificate;

  private RegistryServer(Process process, Path log, int port, Path certificate) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.certificate = certificate;
  }

  public static RegistryServer start(Path dir) {
    return start(dir, null, null, false);
  }

  public static RegistryServer startWithAuth(Path dir, String user, String password) {
    return start(dir, user, password, false);
  }

  public static RegistryServer startWithTls(Path dir) {
    return start(dir, null, null, true);
  }

  public static RegistryServer startWithTlsAndAuth(Path dir, String user, String password) {
    return start(dir, user, password, true);
  }

  /**
   * What distribution's {@code auth: token:} needs: where clients get tokens, the names the
   * tokens must carry, and the certificate that signs them.
   *
   * @param rootCertBundle PEM certificates; a token's {@code x5c} chain must end in one
   */
  public record TokenAuth(String realm, String service, String issuer, Path rootCertBundle) {}

  /**
   * With TLS (its own certificate, {@link #certificate()}, key {@link #privateKey()}) and token
   * auth: every request needs a JWT from {@code auth}'s realm.
   */
  public static RegistryServer startWithTokenAuth(Path dir, TokenAuth auth) {
    return start(dir, null, null, true, auth);
  }

  private static RegistryServer start(Path dir, String user, String password, boolean tls) {
    return start(dir, user, password, tls, null);
  }

  private static RegistryServer start(Path dir, String user, String password, boolean tls,
      TokenAuth token) {
    try {
      Files.createDirectories(dir);
      int port = FreePort.find();
      StringBuilder config = new StringBuilder("version: 0.1\nlog:\n  level: warn\n"
          + "  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: "
          + dir.resolve("data") + "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
      Path certificate = null;
      if (tls) {
        certificate = dir.resolve("cert.pem");
        Command.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", dir.resolve("key.pem").toString(), "-out", certificate.toString(),
            "-days", "2", "-subj", "/CN=relpack-test",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"), Map.of(), Duration.ofSeconds(60))
            .requireSuccess();
        config.append("  tls:\n    certificate: ").append(certificate)
            .append("\n    key: ").append(dir.resolve("key.pem")).append('\n');
      }
      if (user != null) {
        String line = Command.run(List.of("htpasswd", "-Bbn", user, password), Map.of(),
            Duration.ofSeconds(30)).requireSuccess().stdout().trim();
        Files.writeString(dir.resolve("htpasswd"), line + "\n");
        config.append("auth:\n  htpasswd:\n    realm: relpack-test\n    path: ")
            .append(dir.resolve("htpasswd")).append('\n');
      }
      if (token != null) {
        config.append("auth:\n  token:\n    realm: ").append(token.realm())
            .append("\n    service: ").append(token.service())
            .append("\n    issuer: ").append(token.issuer())
            .append("\n    rootcertbundle: ").append(token.rootCertBundle()).append('\n');
      }
      Path configFile = dir.resolve("config.yml");
      Files.writeString(configFile, config);
      Path log = dir.resolve("registry.log");
      Process process = new ProcessBuilder("docker-registry", "serve", configFile.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      RegistryServer server = new RegistryServer(process, log, port, certificate);
      Waiting.until("the registry listens on " + port, Duration.ofSeconds(30), () -> {
        if (!process.isAlive()) {
          throw new AssertionError("docker-registry exited: " + server.logText());
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      return server;
    } catch (IOException e) {
      throw new AssertionError("cannot start docker-registry (is it installed?)", e);
    }
  }

  /** host:port, as in image references. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Its TLS certificate, self-signed for 127.0.0.1 and localhost: the CA a client trusts. */
  public Path certificate() {
    return certificate;
  }

  /** The PEM (PKCS#8) key of {@link #certificate()}. */
  public Path privateKey() {
    return logParent().resolve("key.pem");
  }

  /** One request the registry served. */
  public record Request(String method, String path, int status) {
    public boolean isBlobUpload() {
      return (method.equals("POST") || method.equals("PATCH") || method.equals("PUT"))
          && path.contains("/blobs/uploads/")
          && !(method.equals("POST") && status == 201); // a mount: nothing was sent
    }
  }

  /** Every request so far, in order. */
  public List<Request> requests() {
    List<Request> requests = new ArrayList<>();
    Matcher m = ACCESS.matcher(logText());
    while (m.find()) {
      requests.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
    }
    return requests;
  }

  /**
   * The tags of {@code repository}, asked of the registry itself ({@code /v2/NAME/tags/list});
   * empty when the registry does not know the repository. Plain HTTP only.
   */
  /**
   * The tags of {@code repository} that name images: every tag but the referrers tags
   * ({@code sha256-HEX}) that list the SBOMs relpack attaches.
   */
  public List<String> imageTags(String repository) {
    return tags(repository).stream().filter(tag -> !tag.startsWith("sha256-")).toList();
  }

  public List<String> tags(String repository) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://" + address() + "/v2/" + repository + "/tags/list"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 404) {
        return List.of();
      }
      if (response.statusCode() != 200) {
        throw new AssertionError("tags/list of " + repository + " answered "
            + response.statusCode() + ": " + response.body());
      }
      List<String> tags = new ArrayList<>();
      new ObjectMapper().readTree(response.body()).path("tags").forEach(t -> tags.add(t.asText()));
      return tags;
    } catch (IOException e) {
      throw new AssertionError("cannot list the tags of " + repository, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The repositories holding at least one image. */
  public List<String> repositories() {
    Path repos = logParent().resolve("data/docker/registry/v2/repositories");
    if (!Files.isDirectory(repos)) {
      return List.of();
    }
    try (var walk = Files.walk(repos)) {
      return walk.filter(p -> p.getFileName().toString().equals("_manifests"))
          .map(p -> repos.relativize(p.getParent()).toString()).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private Path logParent() {
    return log.getParent();
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
