package dev.relpack.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * GitLab's {@code /jwt/auth} as a job sees it, in front of the real registry: HTTPS, Basic
 * {@code gitlab-ci-token:<job token>} (or a deploy token's user and password), {@code
 * service=container_registry} and one or more {@code scope=repository:PATH:pull,push}; the
 * answer is {@code {"token": JWT}} with no {@code expires_in}, an RS256 JWT whose header carries
 * the signing certificate as its {@code x5c} chain, which distribution checks against its {@code
 * rootcertbundle}. Grants as GitLab gives them: pull and push on the job's own project and up to
 * two path segments below it, pull only on the projects said to be readable, nothing elsewhere;
 * denied actions are dropped from the token's {@code access} claim without an error. Wrong
 * credentials are a 401. It counts requests and tokens, for tests.
 *
 * <p>distribution accepts a token up to 60 s after its {@code exp} (clock-skew leeway, {@code
 * registry/auth/token/token.go}); {@code exp} is set that much earlier, so that the registry
 * refuses the token exactly {@code lifetime} after it was issued, as a registry without leeway
 * refuses GitLab's 5-minute token after 5 minutes.
 */
public final class GitlabTokenService implements AutoCloseable {
  public static final String SERVICE = "container_registry";
  public static final String ISSUER = "relpack-test-gitlab";
  public static final String JOB_USER = "gitlab-ci-token";
  /** How long distribution accepts a token after its {@code exp}. */
  public static final Duration REGISTRY_LEEWAY = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  /**
   * What the service grants, and to whom.
   *
   * @param project the job's project path ({@code group/project}); it may push there
   * @param jobToken the job's {@code CI_JOB_TOKEN}
   * @param deployUser a deploy token's user name, or null for none
   * @param deployPassword that deploy token, or null
   * @param lifetime how long the registry accepts a token after it is issued
   * @param readable other projects anybody may pull from (GitLab's public projects)
   */
  public record Settings(String project, String jobToken, String deployUser,
      String deployPassword, Duration lifetime, Set<String> readable) {
    /** A job of {@code project}, a fresh random job token, GitLab's self-managed 5 minutes. */
    public static Settings job(String project) {
      return new Settings(project, randomToken(), null, null, Duration.ofMinutes(5), Set.of());
    }

    public Settings withLifetime(Duration lifetime) {
      return new Settings(project, jobToken, deployUser, deployPassword, lifetime, readable);
    }

    public Settings withDeployToken(String user, String password) {
      return new Settings(project, jobToken, user, password, lifetime, readable);
    }

    public Settings withReadable(Set<String> readable) {
      return new Settings(project, jobToken, deployUser, deployPassword, lifetime, readable);
    }

    /** Never the tokens. */
    @Override
    public String toString() {
      return "Settings[project=" + project + ", lifetime=" + lifetime + "]";
    }
  }

  /** A token issued: when, and what its {@code access} claim grants (scope name → actions). */
  public record Issued(Instant at, Map<String, List<String>> access) {}

  private final HttpsServer server;
  private final Settings settings;
  private final PrivateKey signingKey;
  private final String signingCertificate;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<Issued> issued = new CopyOnWriteArrayList<>();

  private GitlabTokenService(HttpsServer server, Settings settings, PrivateKey signingKey,
      String signingCertificate) {
    this.server = server;
    this.settings = settings;
    this.signingKey = signingKey;
    this.signingCertificate = signingCertificate;
  }

  /**
   * Starts the real registry behind a token service in {@code dir}: both over HTTPS with the
   * registry's own certificate ({@link GitlabRegistry#caFile()}), on free loopback ports.
   */
  public static GitlabRegistry startWithRegistry(Path dir, Settings settings) {
    try {
      Files.createDirectories(dir);
      Path signingKey = dir.resolve("token-signing-key.pem");
      Path signingCert = dir.resolve("token-signing-cert.pem");
      Command.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
          "-keyout", signingKey.toString(), "-out", signingCert.toString(), "-days", "2",
          "-subj", "/CN=relpack-test-token-signer"), Map.of(), Duration.ofSeconds(60))
          .requireSuccess();
      // bound first: the registry's configuration names the realm, port and all
      HttpsServer https = HttpsServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      String realm = "https://127.0.0.1:" + https.getAddress().getPort() + "/jwt/auth";
      RegistryServer registry = RegistryServer.startWithTokenAuth(dir.resolve("registry"),
          new RegistryServer.TokenAuth(realm, SERVICE, ISSUER, signingCert));
      try {
        https.setHttpsConfigurator(new HttpsConfigurator(tls(registry)));
        GitlabTokenService service = new GitlabTokenService(https, settings,
            privateKey(signingKey), Base64.getEncoder().encodeToString(
                certificate(signingCert).getEncoded()));
        https.createContext("/jwt/auth", service::handle);
        https.start();
        return new GitlabRegistry(registry, service, realm);
      } catch (RuntimeException | GeneralSecurityException e) {
        registry.close();
        throw e;
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("cannot start the token service", e);
    }
  }

  /** A job token as GitLab makes them: random, and long enough to be told apart in any output. */
  public static String randomToken() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return "glcbt-" + URL.encodeToString(bytes);
  }

  public Settings settings() {
    return settings;
  }

  /** Requests to {@code /jwt/auth} so far, answered or refused. */
  public int requests() {
    return requests.get();
  }

  /** The tokens issued so far, in order. */
  public List<Issued> issued() {
    return List.copyOf(issued);
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange; InputStream ignored = exchange.getRequestBody()) {
      Map<String, List<String>> query = query(exchange.getRequestURI().getRawQuery());
      if (!List.of(SERVICE).equals(query.get("service"))) {
        answer(exchange, 403, errors("DENIED", "unknown service"));
        return;
      }
      Who who = who(exchange.getRequestHeaders().getFirst("Authorization"));
      if (who == Who.WRONG) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"GitLab\"");
        answer(exchange, 401, errors("UNAUTHORIZED", "HTTP Basic: Access denied"));
        return;
      }
      Map<String, List<String>> access = new LinkedHashMap<>();
      for (String scopes : query.getOrDefault("scope", List.of())) {
        for (String scope : scopes.split(" ")) {
          grant(who, scope, access);
        }
      }
      Instant now = Instant.now();
      issued.add(new Issued(now, Map.copyOf(access)));
      answer(exchange, 200, Map.of("token", jwt(who, access, now)));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot sign a token", e);
    }
  }

  /** Who is asking: nobody, the job, a deploy token, or somebody with wrong credentials. */
  private enum Who { ANONYMOUS, JOB, DEPLOY, WRONG }

  private Who who(String authorization) {
    if (authorization == null) {
      return Who.ANONYMOUS;
    }
    if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Who.WRONG;
    }
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Who.WRONG;
    }
    if (pair.equals(JOB_USER + ":" + settings.jobToken())) {
      return Who.JOB;
    }
    if (settings.deployUser() != null
        && pair.equals(settings.deployUser() + ":" + settings.deployPassword())) {
      return Who.DEPLOY;
    }
    return Who.WRONG;
  }

  /** Adds what {@code who} may do of what {@code scope} asks; nothing when it may do none. */
  private void grant(Who who, String scope, Map<String, List<String>> access) {
    int first = scope.indexOf(':');
    int last = scope.lastIndexOf(':');
    if (first < 0 || last <= first || !scope.substring(0, first).equals("repository")) {
      return;
    }
    String path = scope.substring(first + 1, last);
    Set<String> allowed = new LinkedHashSet<>();
    if ((who == Who.JOB || who == Who.DEPLOY) && ownProject(path)) {
      allowed.addAll(List.of("pull", "push"));
    } else if (settings.readable().stream().anyMatch(p -> inProject(p, path))) {
      allowed.add("pull");
    }
    List<String> granted = new ArrayList<>();
    for (String action : scope.substring(last + 1).split(",")) {
      if (allowed.contains(action) && !granted.contains(action)) {
        granted.add(action);
      }
    }
    if (!granted.isEmpty()) {
      access.merge(path, granted, (a, b) -> {
        List<String> both = new ArrayList<>(a);
        b.stream().filter(x -> !both.contains(x)).forEach(both::add);
        return both;
      });
    }
  }

  private boolean ownProject(String path) {
    return inProject(settings.project(), path);
  }

  /** The project itself or an image at most two path segments below it, as GitLab allows. */
  static boolean inProject(String project, String path) {
    if (path.equals(project)) {
      return true;
    }
    return path.startsWith(project + "/")
        && path.substring(project.length() + 1).split("/", -1).length <= 2;
  }

  private String jwt(Who who, Map<String, List<String>> access, Instant now)
      throws IOException, GeneralSecurityException {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    header.put("x5c", List.of(signingCertificate));
    List<Map<String, Object>> claims = new ArrayList<>();
    access.forEach((name, actions) -> {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("type", "repository");
      one.put("name", name);
      one.put("actions", actions);
      claims.add(one);
    });
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("iss", ISSUER);
    payload.put("sub", switch (who) {
      case JOB -> JOB_USER;
      case DEPLOY -> settings.deployUser();
      default -> "";
    });
    payload.put("aud", SERVICE);
    long issuedAt = now.getEpochSecond();
    payload.put("iat", issuedAt);
    payload.put("nbf", issuedAt - 5);
    payload.put("exp", issuedAt + settings.lifetime().toSeconds() - REGISTRY_LEEWAY.toSeconds());
    payload.put("jti", UUID.randomUUID().toString());
    payload.put("access", claims);
    String signed = URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
        + URL.encodeToString(JSON.writeValueAsBytes(payload));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(signingKey);
    rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
    return signed + "." + URL.encodeToString(rs256.sign());
  }

  private static Map<String, Object> errors(String code, String message) {
    return Map.of("errors", List.of(Map.of("code", code, "message", message)));
  }

  private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (raw == null) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq),
          StandardCharsets.UTF_8);
      String value = eq < 0 ? ""
          : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return query;
  }

  /** TLS with the registry's certificate, so one CA file serves both. */
  private static SSLContext tls(RegistryServer registry) throws IOException,
      GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = "relpack".toCharArray();
    store.setKeyEntry("tls", privateKey(registry.privateKey()), password,
        new Certificate[] {certificate(registry.certificate())});
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem);
    if (!text.contains("BEGIN PRIVATE KEY")) {
      throw new GeneralSecurityException(pem + " is not a PKCS#8 PEM key");
    }
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("RSA")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static X509Certificate certificate(Path pem) throws IOException,
      GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
