package dev.relpack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import dev.relpack.error.RegistryException;
import dev.relpack.io.Printable;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;

/**
 * The few requests relpack makes itself on one registry repository (GETs of manifests, a config,
 * the token they need, and the base layers the boot check reads; the PUT of a manifest under a
 * further tag), with the registry's auth flow: anonymous,
 * then Basic or a Bearer token as its {@code WWW-Authenticate} asks. jib's client reads whole
 * bodies into memory with no limit; here every document is bounded ({@link ReadLimits}), every
 * blob streamed and held to its descriptor's size, and every request bounded in time.
 */
final class RegistryHttp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  /**
   * Bodies up to this size are held by the connection until sent, so that the JDK sends them
   * again on a new connection if a kept-alive one turns out closed; larger ones (layers) are
   * streamed, on a connection an upload's POST has just used.
   */
  private static final long BUFFERED_BODY = 1 << 20;
  private static final int MAX_REDIRECTS = 5;

  private final String registry;
  private final String repository;
  private final RegistryProbe.Transport transport;
  private final RegistryAccess access;
  private final Optional<Credential> credential;
  private final Duration timeout;
  private final ReadLimits limits;
  /** Set on a 401's challenge; requests may be sent at once ({@link AtOnce}). */
  private volatile String authorization;

  /**
   * @param transport how the probe found the registry answers
   * @param timeout the longest a request may take: connecting, waiting and reading together
   */
  RegistryHttp(String registry, String repository, RegistryProbe.Transport transport,
      RegistryAccess access, Optional<Credential> credential, Duration timeout, ReadLimits limits) {
    this.registry = registry;
    this.repository = repository;
    this.transport = transport;
    this.access = access;
    this.credential = credential;
    this.timeout = timeout;
    this.limits = limits;
  }

  /**
   * An answer: its status and, for 2xx, its body.
   *
   * @param digest the {@code Docker-Content-Digest} the registry sent, or null
   * @param location the {@code Location} the registry sent with a 2xx answer, or null
   * @param subject the {@code OCI-Subject} the registry sent with a 2xx answer, or null: a
   *     registry with the referrers API names the subject of a manifest it stored this way
   */
  record Response(int status, byte[] body, String contentType, String digest, String location,
      String subject) {}

  /** What is sent: GET with what is accepted, or PUT with a body of a type. */
  private record Request(String method, String accept, String contentType, Body body) {
    static Request get(String accept) {
      return new Request("GET", accept, null, null);
    }
  }

  /**
   * A request body, which may be sent twice (again after a 401): bytes, or a file streamed from
   * disk so that no layer is held in memory.
   */
  private interface Body {
    long length() throws IOException;

    void writeTo(OutputStream out) throws IOException;

    static Body of(byte[] bytes) {
      byte[] copy = bytes.clone();
      return new Body() {
        @Override
        public long length() {
          return copy.length;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
          out.write(copy);
        }
      };
    }

    static Body of(Path file) {
      return new Body() {
        @Override
        public long length() throws IOException {
          return Files.size(file);
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
          Files.copy(file, out);
        }
      };
    }
  }

  /**
   * GETs {@code path} (under {@code /v2/<repository>/}), authenticating once when the registry
   * asks to. 401 and 403 after that are refusals; other statuses are for the caller to judge.
   *
   * @param what the document, for messages ("the manifest of reg/x:1")
   */
  Response get(String path, String accept, long limit, String what) {
    return exchange(path, Request.get(accept), what, (body, declaredLength, deadline) ->
        BoundedBody.read(body, declaredLength, limit, what, deadline));
  }

  /**
   * HEADs {@code path} (under {@code /v2/<repository>/}) with the same auth rules as {@link #get}:
   * whether the registry has it (2xx) or not (404).
   */
  Response head(String path, String what) {
    return exchange(path, new Request("HEAD", "*/*", null, null), what,
        (in, declaredLength, deadline) -> new byte[0]);
  }

  /**
   * HEADs the manifest {@code reference} (a tag or digest), accepting what {@link #get} of a
   * manifest accepts: whether the registry has it (2xx) and the digest it says it has.
   */
  Response headManifest(String reference, String what) {
    return exchange("manifests/" + reference,
        new Request("HEAD", RegistryReader.MANIFEST_TYPES, null, null), what,
        (in, declaredLength, deadline) -> new byte[0]);
  }

  /**
   * PUTs {@code body} to {@code path} (under {@code /v2/<repository>/}) as {@code contentType},
   * with the same auth rules as {@link #get} (a token server asked again grants the push scope
   * the registry's challenge names). What the registry answers is not kept.
   *
   * @param what the document, for messages ("the manifest sha256:... as reg/x:2")
   * @return the status and the digest the registry says it stored
   */
  Response put(String path, String contentType, byte[] body, String what) {
    return exchange(path, new Request("PUT", "*/*", contentType, Body.of(body)), what,
        (in, declaredLength, deadline) -> new byte[0]);
  }

  /**
   * POSTs an empty body to {@code path} (under {@code /v2/<repository>/}), as a blob upload
   * starts, with the same auth rules as {@link #put}.
   *
   * @return the status and the {@code Location} to upload to
   */
  Response post(String path, String what) {
    return exchange(base().resolve(path), new Request("POST", "*/*",
        "application/octet-stream", Body.of(new byte[0])), what, (in, declaredLength, deadline) -> new byte[0]);
  }

  /**
   * PUTs {@code body} to {@code location}, a URL (or a path) the registry gave, with the same
   * auth rules as {@link #put}. A location on another server (a registry behind a proxy names
   * its own address) gets the body without credentials, as a redirect does: this registry's go
   * to it alone.
   */
  Response putAt(String location, String contentType, byte[] body, String what) {
    return putAt(location, contentType, Body.of(body), what);
  }

  private Response putAt(String location, String contentType, Body body, String what) {
    URI uri;
    try {
      // the scheme rules of a redirect: no plain HTTP from a TLS registry unless it may use it
      uri = redirect(base(), location, what);
    } catch (IllegalArgumentException e) {
      throw new RegistryException("registry " + registry + " gave an upload location that is no"
          + " URL: " + Printable.of(location), e);
    }
    return exchange(uri, new Request("PUT", "*/*", contentType, body), what,
        (in, declaredLength, deadline) -> new byte[0]);
  }

  /**
   * The body of the 2xx {@code response}, checked to hash to {@code digest}: what was asked for
   * by digest must be that content.
   */
  byte[] requireDigest(Response response, String digest, String what) {
    String served = "sha256:" + Sha256.of(response.body());
    if (!served.equals(digest)) {
      throw new RegistryException("registry " + registry + " served " + what
          + " with content whose digest is " + served, null);
    }
    return response.body();
  }

  /**
   * PUTs {@code manifest} (whose digest is {@code digest}) under {@code reference}, a tag or the
   * digest itself, and checks the registry says it stored that content.
   *
   * @return the registry's answer (2xx)
   */
  Response putManifest(String reference, String mediaType, byte[] manifest, String digest,
      String what) {
    Response put = put("manifests/" + reference, mediaType, manifest, what);
    if (put.status() / 100 != 2) {
      throw new RegistryException("registry " + registry + " answered HTTP " + put.status()
          + " to " + what, null);
    }
    if (put.digest() != null && !put.digest().equals(digest)) {
      throw new RegistryException("registry " + registry + " stored " + what
          + " under the digest " + Printable.of(put.digest()), null);
    }
    return put;
  }

  /**
   * Uploads {@code blob} (whose digest is {@code digest}) in one piece: POST to start, PUT the
   * whole blob to where the registry said; nothing when the registry has it already
   * ({@link #sendBlob}).
   *
   * @param what the blob, for messages ("the config sha256:... to reg/x")
   * @return whether it was sent: false when the registry had it already
   */
  boolean uploadBlob(byte[] blob, String digest, String what) {
    return sendBlob(Body.of(blob), digest, null, what) == Sent.UPLOADED;
  }

  /** What {@link #sendBlob} did for a blob. */
  enum Sent {
    /** The repository had it: nothing sent. */
    PRESENT,
    /** The registry linked it from the repository named: nothing sent. */
    MOUNTED,
    /** Uploaded. */
    UPLOADED,
    /** Only a mount was asked for ({@link #mountBlob}), and the registry did not mount it. */
    NOT_MOUNTED
  }

  /**
   * Uploads the blob in {@code file} as {@link #uploadBlob} does, read from disk as it is sent;
   * with a {@code mountFrom} (else null), it is mounted from that repository of the same registry
   * when that one holds it (as jib does), and nothing is sent.
   *
   * <p>One request asks both whether the blob is there and, if not, where to send it: the POST
   * that starts the upload asks for the blob to be mounted, from {@code mountFrom} or else from
   * this very repository. A registry answers 201 when the repository holds it then (linked from
   * there, or held already), and 202 with an upload, as for a plain POST, when it does not (or
   * does not mount: the blob is sent then). A HEAD first took a round trip more for each blob
   * the repository lacked, which are the ones a build sends.
   */
  Sent sendBlob(Path file, String digest, String mountFrom, String what) {
    return sendBlob(Body.of(file), digest, mountFrom, what);
  }

  private Sent sendBlob(Body blob, String digest, String mountFrom, String what) {
    Response started = post("blobs/uploads/?mount=" + digest + "&from="
        + (mountFrom == null ? repository : mountFrom), "starting to upload " + what);
    if (started.status() == 201) {
      return mountFrom == null ? Sent.PRESENT : Sent.MOUNTED;
    }
    if (started.status() / 100 == 4) {
      // the spec says to open the upload when a mount cannot be made; a registry that refuses
      // the request instead is asked again without it
      started = post("blobs/uploads/", "starting to upload " + what);
    }
    requireSuccess(started, "starting to upload " + what);
    String location = started.location();
    if (location == null || location.isBlank()) {
      throw new RegistryException("registry " + registry + " started an upload of " + what
          + " without saying where to send it (no Location)", null);
    }
    String target = location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    requireSuccess(putAt(target, "application/octet-stream", blob, "uploading " + what),
        "uploading " + what);
    return Sent.UPLOADED;
  }

  /**
   * Asks the registry to mount the blob {@code digest} into this repository from
   * {@code fromRepository} of the same registry (a cross-repository mount: nothing is sent).
   *
   * @return {@link Sent#MOUNTED} when this repository holds it now (201); else
   *     {@link Sent#NOT_MOUNTED}: the registry opened an upload instead (202: it cannot or will
   *     not mount it), or refused
   */
  Sent mountBlob(String digest, String fromRepository, String what) {
    return post("blobs/uploads/?mount=" + digest + "&from=" + fromRepository, "mounting " + what)
        .status() == 201 ? Sent.MOUNTED : Sent.NOT_MOUNTED;
  }

  /** Throws unless {@code response} is 2xx. */
  void requireSuccess(Response response, String doing) {
    if (response.status() / 100 != 2) {
      throw new RegistryException("registry " + registry + " answered HTTP " + response.status()
          + " to " + doing, null);
    }
  }

  /**
   * The media type of a manifest the registry served: its own {@code mediaType}, else the
   * {@code Content-Type} it was served as (skopeo pushes OCI manifests without the field).
   */
  String manifestMediaType(Response manifest, String what) {
    try {
      JsonNode json = JSON.readTree(manifest.body());
      String own = json == null ? "" : json.path("mediaType").asText("");
      if (!own.isEmpty()) {
        return own;
      }
    } catch (IOException e) {
      throw new RegistryException("registry " + registry + " served " + what
          + " that is not JSON", e);
    }
    if (manifest.contentType() == null || manifest.contentType().isBlank()) {
      throw new RegistryException("registry " + registry + " served " + what
          + " with no media type, in the manifest or its Content-Type", null);
    }
    return manifest.contentType().split(";", 2)[0].trim();
  }

  /** host[:port] of the registry. */
  String registry() {
    return registry;
  }

  private URI base() {
    return URI.create(scheme() + "://" + registry + "/v2/" + repository + "/");
  }

  /** What a streaming GET does with a 2xx body, which it must read before returning. */
  @FunctionalInterface
  interface BodyConsumer {
    void accept(InputStream body) throws IOException;
  }

  /**
   * GETs {@code path} as {@link #get} does, with the same auth and redirect rules, but hands a
   * 2xx body to {@code consumer} as a stream held to {@code size} bytes ({@link BlobBody}),
   * within the same per-request deadline; nothing of it is kept here.
   *
   * @return the status; the consumer has had the body when it is 2xx
   */
  int stream(String path, long size, String what, BodyConsumer consumer) {
    return exchange(path, Request.get("*/*"), what, (body, declaredLength, deadline) -> {
      consumer.accept(new BlobBody(body, declaredLength, size, what, deadline));
      return new byte[0];
    }).status();
  }

  /** Reads a 2xx body into what {@link Response} carries. */
  @FunctionalInterface
  private interface BodyReader {
    byte[] read(InputStream body, long declaredLength, long deadline) throws IOException;
  }

  private Response exchange(String path, Request request, String what, BodyReader reader) {
    return exchange(URI.create(scheme() + "://" + registry + "/v2/" + repository + "/" + path),
        request, what, reader);
  }

  private Response exchange(URI uri, Request request, String what, BodyReader reader) {
    try {
      String before = authorization;
      Response response = send(uri, request, what, true, reader);
      if (response.status() == 401 && !java.util.Objects.equals(before, authorization)) {
        response = send(uri, request, what, false, reader);
      }
      if (response.status() == 401 || response.status() == 403) {
        throw new RegistryException("registry " + registry + " refused access to " + repository
            + " (HTTP " + response.status() + "); check the credentials for it", null);
      }
      return response;
    } catch (SocketTimeoutException e) {
      throw new RegistryException("registry " + registry + " did not answer within "
          + RegistryDeadline.seconds(timeout) + " while sending " + what + "; pass {timeout} SECONDS to wait"
          + " longer", e);
    } catch (IOException e) {
      throw new RegistryException("cannot " + (request.body() == null ? "read " : "send ") + what
          + (request.body() == null ? " from" : " to") + " registry " + registry + ": "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private String scheme() {
    return transport == RegistryProbe.Transport.HTTP ? "http" : "https";
  }

  /**
   * One request, following redirects (blob stores answer with one); the credentials go only to
   * the registry itself. With {@code mayAuthenticate}, a 401 sets up the auth it asks for and
   * is returned for the caller to try again.
   */
  private Response send(URI first, Request request, String what, boolean mayAuthenticate,
      BodyReader reader) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI uri = first;
    for (int redirects = 0; ; redirects++) {
      HttpURLConnection connection = open(uri);
      try {
        connection.setRequestProperty("Accept", request.accept());
        if (authorization != null && sameServer(uri, base())) {
          connection.setRequestProperty("Authorization", authorization);
        }
        connection.setRequestMethod(request.method());
        if (request.body() != null) {
          connection.setDoOutput(true);
          connection.setRequestProperty("Content-Type", request.contentType());
          long length = request.body().length();
          if (length > BUFFERED_BODY) {
            connection.setFixedLengthStreamingMode(length);
          }
          try (OutputStream out = connection.getOutputStream()) {
            request.body().writeTo(out);
          }
        }
        int status = connection.getResponseCode();
        if (status >= 300 && status < 400 && connection.getHeaderField("Location") != null) {
          if (redirects == MAX_REDIRECTS) {
            throw new RegistryException("registry " + registry + " redirected " + what + " more"
                + " than " + MAX_REDIRECTS + " times", null);
          }
          uri = redirect(uri, connection.getHeaderField("Location"), what);
          continue;
        }
        if (status == 401 && mayAuthenticate) {
          authenticate(connection.getHeaderField("WWW-Authenticate"), what);
          KeptAlive.finish(connection);
          return new Response(status, new byte[0], null, null, null, null);
        }
        if (status / 100 != 2) {
          KeptAlive.finish(connection);
          return new Response(status, new byte[0], null, null, null, null);
        }
        try (InputStream body = connection.getInputStream()) {
          return new Response(status, reader.read(body, connection.getContentLengthLong(),
              deadline), connection.getContentType(),
              connection.getHeaderField("Docker-Content-Digest"),
              connection.getHeaderField("Location"), connection.getHeaderField("OCI-Subject"));
        }
      } finally {
        // never drain what is left of a body: it may be endless (a body read to its end has
        // left its connection to the JDK's keep-alive cache as it was closed)
        connection.disconnect();
      }
    }
  }

  private URI redirect(URI from, String location, String what) {
    URI to = from.resolve(location);
    boolean plain = "http".equalsIgnoreCase(to.getScheme());
    if (!plain && !"https".equalsIgnoreCase(to.getScheme())
        || plain && !"http".equals(from.getScheme()) && !access.allowsPlainHttp(authority(to))) {
      throw new RegistryException("registry " + registry + " redirected " + what + " to "
          + to.getScheme() + "://" + authority(to) + ", which relpack may not use", null);
    }
    return to;
  }

  private HttpURLConnection open(URI uri) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
    if (connection instanceof HttpsURLConnection https) {
      if (transport == RegistryProbe.Transport.HTTPS_UNVERIFIED) {
        https.setSSLSocketFactory(TrustAll.SOCKET_FACTORY);
        https.setHostnameVerifier((host, session) -> true);
      } else {
        https.setSSLSocketFactory(access.trust().socketFactory());
      }
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    connection.setConnectTimeout(millis);
    connection.setReadTimeout(millis);
    connection.setInstanceFollowRedirects(false);
    connection.setUseCaches(false);
    connection.setRequestProperty("User-Agent", "relpack");
    return connection;
  }

  /** Sets up what a 401's challenge asks for: Basic with the credential, or a Bearer token. */
  private void authenticate(String challenge, String what) throws IOException {
    if (challenge == null) {
      return; // nothing to answer with: the 401 stands
    }
    String scheme = challenge.trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    if (scheme.equals("basic")) {
      credential.ifPresent(c -> authorization = "Basic " + basic(c));
    } else if (scheme.equals("bearer")) {
      authorization = "Bearer " + token(parameters(challenge), what);
    }
  }

  /**
   * Asks the token server the challenge names for a token, for the scope the challenge names
   * (a pull of this repository when it names none), with the credential if there is one.
   */
  private String token(Map<String, String> challenge, String what) throws IOException {
    TokenAnswer answer = requestToken(challenge,
        challenge.getOrDefault("scope", "repository:" + repository + ":pull"), what);
    if (answer.status() / 100 != 2) {
      throw new RegistryException("the token server of registry " + registry + " answered HTTP "
          + answer.status() + " for " + what + "; check the credentials for it", null);
    }
    return answer.token();
  }

  /**
   * What a token server answered.
   *
   * @param status its HTTP status
   * @param token the token, when the status is 2xx
   */
  record TokenAnswer(int status, String token) {
    /** Never the token. */
    @Override
    public String toString() {
      return "TokenAnswer[status=" + status + "]";
    }
  }

  /**
   * What {@code GET /v2/} asks of a client that sends no credentials: the {@code
   * WWW-Authenticate} of its 401, or nothing when it answers 2xx (an open registry).
   *
   * @throws RegistryException for any other answer
   */
  Optional<String> challenge() {
    return Optional.ofNullable(ping(null));
  }

  /**
   * Whether {@code GET /v2/} with the credential as Basic auth is let in.
   *
   * @return true on 2xx, false on 401 or 403
   */
  boolean basicAccepted() {
    return ping("Basic " + basic(credential.orElseThrow())) == null;
  }

  /** {@code GET /v2/}: null on 2xx, the challenge on 401 (empty if none), else a failure. */
  private String ping(String authorization) {
    URI uri = URI.create(scheme() + "://" + registry + "/v2/");
    try {
      HttpURLConnection connection = open(uri);
      try {
        if (authorization != null) {
          connection.setRequestProperty("Authorization", authorization);
        }
        int status = connection.getResponseCode();
        if (status / 100 == 2) {
          return null;
        }
        if (status == 401 || status == 403) {
          return Optional.ofNullable(connection.getHeaderField("WWW-Authenticate")).orElse("");
        }
        throw new RegistryException("registry " + registry + " answered HTTP " + status
            + " at " + uri, null);
      } finally {
        connection.disconnect();
      }
    } catch (SocketTimeoutException e) {
      throw new RegistryException("registry " + registry + " did not answer within "
          + RegistryDeadline.seconds(timeout) + " at " + uri + "; pass {timeout} SECONDS to wait"
          + " longer", e);
    } catch (IOException e) {
      throw new RegistryException("cannot reach registry " + registry + ": "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** The parameters of a challenge ({@code realm}, {@code service}, ...), lower-case keys. */
  static Map<String, String> parameters(String challenge) {
    Map<String, String> parameters = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(challenge);
    while (m.find()) {
      parameters.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
    }
    return parameters;
  }

  /**
   * Asks the token server {@code challenge} names for a token for {@code scope}, with the
   * credential if there is one (an identity token, user {@code <token>}, is exchanged as an
   * OAuth2 refresh token). A refusal (any status but 2xx) is returned, not thrown.
   */
  TokenAnswer requestToken(Map<String, String> challenge, String scope, String what)
      throws IOException {
    String realm = challenge.get("realm");
    if (realm == null) {
      throw new RegistryException("registry " + registry + " asks for a token for " + what
          + " but names no token server (no realm in WWW-Authenticate)", null);
    }
    URI server;
    try {
      server = URI.create(realm);
    } catch (IllegalArgumentException e) {
      throw new RegistryException("registry " + registry + " names a token server that is no URL",
          e);
    }
    boolean plain = "http".equalsIgnoreCase(server.getScheme());
    if (!plain && !"https".equalsIgnoreCase(server.getScheme())
        || plain && !access.allowsPlainHttp(authority(server))) {
      throw new RegistryException("registry " + registry + " names a token server relpack may"
          + " not use (" + server.getScheme() + "://" + authority(server) + ")", null);
    }
    String service = challenge.getOrDefault("service", "");
    boolean identityToken = credential.map(c -> c.isOAuth2RefreshToken()).orElse(false);
    String query = "service=" + encode(service) + "&scope=" + encode(scope);
    String tokenWhat = "the token server's answer for " + what;
    URI uri = identityToken ? server
        : URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpURLConnection connection = open(uri);
    try {
      if (identityToken) {
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
        try (OutputStream out = connection.getOutputStream()) {
          out.write((query + "&grant_type=refresh_token&client_id=relpack&refresh_token="
              + encode(credential.orElseThrow().getPassword())).getBytes(StandardCharsets.UTF_8));
        }
      } else if (credential.isPresent()) {
        connection.setRequestProperty("Authorization", "Basic " + basic(credential.get()));
      }
      int status = connection.getResponseCode();
      if (status / 100 != 2) {
        return new TokenAnswer(status, null);
      }
      byte[] body;
      try (InputStream in = connection.getInputStream()) {
        body = BoundedBody.read(in, connection.getContentLengthLong(), limits.token(), tokenWhat,
            deadline);
      }
      JsonNode json = JSON.readTree(body);
      String token = json.path("token").asText(json.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new RegistryException("the token server of registry " + registry
            + " sent no token for " + what, null);
      }
      return new TokenAnswer(status, token);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // not e as the cause: Jackson's message quotes what it could not parse, the token perhaps
      throw new RegistryException("the token server of registry " + registry
          + " sent something that is not JSON for " + what, null);
    } finally {
      connection.disconnect();
    }
  }

  private static String basic(Credential credential) {
    return Base64.getEncoder().encodeToString((credential.getUsername() + ":"
        + credential.getPassword()).getBytes(StandardCharsets.UTF_8));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static boolean sameServer(URI a, URI b) {
    return authority(a).equalsIgnoreCase(authority(b))
        && String.valueOf(a.getScheme()).equalsIgnoreCase(String.valueOf(b.getScheme()));
  }

  private static String authority(URI uri) {
    return String.valueOf(uri.getRawAuthority());
  }
}
