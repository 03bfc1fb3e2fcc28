package dev.relpack.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Where credentials for a registry come from, first match wins:
 *
 * <ol>
 *   <li>GitLab CI: {@code CI_REGISTRY_USER}/{@code CI_REGISTRY_PASSWORD} (or the job token) for
 *       {@code CI_REGISTRY}, and {@code CI_DEPENDENCY_PROXY_USER}/{@code _PASSWORD} for {@code
 *       CI_DEPENDENCY_PROXY_SERVER};
 *   <li>Docker's {@code config.json} ({@code $DOCKER_CONFIG}, else {@code ~/.docker}), with its
 *       {@code auths}, {@code credsStore} and {@code credHelpers};
 *   <li>the containers {@code auth.json} podman, buildah and skopeo write ({@code
 *       $REGISTRY_AUTH_FILE}, {@code $XDG_RUNTIME_DIR/containers}, {@code ~/.config/containers});
 *   <li>the well-known helpers for GCR and ECR, when installed;
 *   <li>logins the front end knows of itself (the Maven goal: {@code settings.xml} servers).
 * </ol>
 *
 * Nothing here prints a secret: sources are described by where they come from.
 */
public final class RegistryCredentials {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How the lines jib writes itself begin (CredentialRetrieverFactory and its helpers). */
  private static final List<String> SAFE_JIB_MESSAGES = List.of("The credential helper (",
      "The system does not have ", "Using ", "trying ", "Docker config auths section",
      "No credentials for ", "Unable to parse Docker config file", "No credentials could be");
  private final Map<String, String> env;
  private final Path home;
  private final Consumer<String> warn;
  private final List<RegistryLogin> logins;
  // A build asks for a registry's credential several times (pinning the base, jib's pull and
  // push, reading the pushed manifest back): a credential helper runs once per registry.
  private final Map<String, Lookup> byRegistry = new ConcurrentHashMap<>();
  // and each config file is judged once, however many registries the build uses
  private final Map<Path, Boolean> readableJson = new ConcurrentHashMap<>();

  /**
   * @param env the process environment (passed in, so tests and the Maven goal control it)
   * @param home the user's home directory
   * @param warn where a source that cannot be used is reported, whoever asked first
   */
  public RegistryCredentials(Map<String, String> env, Path home, Consumer<String> warn) {
    this(env, home, warn, List.of());
  }

  /** @param logins tried last, after every source read here */
  public RegistryCredentials(Map<String, String> env, Path home, Consumer<String> warn,
      List<RegistryLogin> logins) {
    this.env = Map.copyOf(env);
    this.home = home;
    this.warn = warn;
    this.logins = List.copyOf(logins);
  }

  /**
   * For jib: the same lookup as {@link #credential}, remembered with it. When nothing was found
   * and a credential helper failed, jib is told so (the build then stops on it) rather than
   * going on anonymously to an "unauthorised" that hides the cause.
   */
  public CredentialRetriever retriever(ImageReference image, Consumer<LogEvent> log) {
    return () -> {
      Lookup found = lookUp(image, log);
      if (found.credential().isEmpty() && found.failure().isPresent()) {
        throw found.failure().get();
      }
      return found.credential();
    };
  }

  /** The first credential any source has for {@code image}'s registry; looked up once. */
  public Optional<Credential> credential(ImageReference image, Consumer<LogEvent> log) {
    return lookUp(image, log).credential();
  }

  /**
   * A credential and where it came from, so a registry's refusal can name the source to fix.
   *
   * @param source the variable, file or login it came from ({@code CI_REGISTRY_PASSWORD}, a
   *     config file's path, a settings.xml server), never the secret
   */
  public record Sourced(Credential credential, String source) {
    /** Never the password. */
    @Override
    public String toString() {
      return "Sourced[username=" + credential.getUsername() + ", source=" + source + "]";
    }
  }

  /** The same lookup as {@link #credential}, with the source that gave it. */
  public Optional<Sourced> sourced(ImageReference image, Consumer<LogEvent> log) {
    Lookup found = lookUp(image, log);
    return found.credential().map(c -> new Sourced(c, found.source()));
  }

  /**
   * Where a credential for {@code registry} was looked for, in order, as a user would check
   * them: for a message that says none was found.
   */
  public List<String> lookedIn(String registry) {
    List<String> places = new ArrayList<>();
    if (sameRegistry(env.get("CI_REGISTRY"), registry)) {
      places.add("CI_REGISTRY_PASSWORD and CI_JOB_TOKEN (unset or empty)");
    } else {
      places.add("CI_REGISTRY_PASSWORD (only for CI_REGISTRY, which is "
          + Optional.ofNullable(env.get("CI_REGISTRY")).filter(r -> !r.isBlank())
              .orElse("unset") + ")");
    }
    for (Path config : configCandidates()) {
      places.add(config + (Files.isRegularFile(config) ? "" : " (none)"));
    }
    places.add("the GCR and ECR credential helpers");
    for (RegistryLogin login : logins) {
      if (sameRegistry(login.registry(), registry)) {
        places.add(login.source());
      }
    }
    return places;
  }

  /**
   * What the sources gave for one registry: a credential and its source, and the first helper
   * failure.
   */
  private record Lookup(Optional<Credential> credential, String source,
      Optional<CredentialRetrievalException> failure) {}

  private Lookup lookUp(ImageReference image, Consumer<LogEvent> log) {
    return byRegistry.computeIfAbsent(image.getRegistry(), registry -> firstFound(image, log));
  }

  /** Retrievers for {@code image}, in the order they are tried. */
  List<CredentialRetriever> retrievers(ImageReference image, Consumer<LogEvent> log) {
    return sources(image, log).stream().map(Source::retriever).toList();
  }

  /** A retriever and where its credential comes from, for messages. */
  private record Source(CredentialRetriever retriever, String name) {}

  private List<Source> sources(ImageReference image, Consumer<LogEvent> log) {
    CredentialRetrieverFactory factory =
        CredentialRetrieverFactory.forImage(image, event -> relay(event, image, log), env);
    List<Source> sources = new ArrayList<>();
    gitLab(image.getRegistry()).ifPresent(found -> sources.add(new Source(
        factory.known(found.credential(), found.source()), found.variable())));
    for (Path config : configFiles()) {
      if (readableJson.computeIfAbsent(config, this::isJson)) {
        sources.add(new Source(factory.dockerConfig(config), config.toString()));
      }
    }
    sources.add(new Source(factory.wellKnownCredentialHelpers(),
        "a GCR or ECR credential helper"));
    for (RegistryLogin login : logins) {
      if (sameRegistry(login.registry(), image.getRegistry())) {
        sources.add(new Source(factory.known(Credential.from(login.username(),
            login.password()), login.source()), login.source()));
      }
    }
    return sources;
  }

  private Lookup firstFound(ImageReference image, Consumer<LogEvent> log) {
    Optional<CredentialRetrievalException> failure = Optional.empty();
    for (Source source : sources(image, log)) {
      CredentialRetriever retriever = source.retriever();
      try {
        Optional<Credential> credential = retriever.retrieve();
        if (credential.isPresent()) {
          return new Lookup(credential, source.name(), Optional.empty());
        }
      } catch (CredentialRetrievalException e) {
        // not the message: jib puts a helper's raw output in it
        warn.accept("one source of credentials for " + image.getRegistry() + " failed ("
            + causeName(e) + "); trying the others");
        failure = failure.or(() -> Optional.of(e));
      }
    }
    return new Lookup(Optional.empty(), "", failure);
  }

  /**
   * Passes on what jib says while looking for credentials, safely: jib puts a helper's raw
   * output (which may hold the secret) in its messages, after the first line, in "Caused by"
   * lines, or quoted in a parse error. Only first lines of the forms jib writes itself get
   * through; a warning (a helper that cannot be used) becomes one of the build's warnings.
   */
  private void relay(LogEvent event, ImageReference image, Consumer<LogEvent> log) {
    String first = event.getMessage().lines().findFirst().orElse("").strip();
    if (first.isEmpty() || first.startsWith("Caused by")) {
      return;
    }
    String said = SAFE_JIB_MESSAGES.stream().anyMatch(first::startsWith) ? first
        : "a credential source said something relpack does not repeat (it may quote a helper's"
            + " output)";
    if (event.getLevel() == LogEvent.Level.WARN || event.getLevel() == LogEvent.Level.ERROR) {
      warn.accept("credentials for " + image.getRegistry() + ": " + said);
    } else {
      log.accept(LogEvent.debug(said));
    }
  }

  /** jib skips a config file it cannot parse with a mere info line: say so louder. */
  private boolean isJson(Path config) {
    try {
      JSON.readTree(config.toFile());
      return true;
    } catch (IOException e) {
      // not the message: Jackson may quote the file, secrets and all
      warn.accept(config + " cannot be read as JSON: its credentials are ignored; fix or remove it");
      return false;
    }
  }

  /** What went wrong, without a helper's output: the class of the underlying failure. */
  public static String causeName(CredentialRetrievalException e) {
    return (e.getCause() != null ? e.getCause() : e).getClass().getSimpleName();
  }

  /** @param variable the variable that held the password, which a refusal names */
  private record Found(Credential credential, String source, String variable) {}

  private Optional<Found> gitLab(String registry) {
    if (sameRegistry(env.get("CI_REGISTRY"), registry)) {
      String user = env.getOrDefault("CI_REGISTRY_USER", "gitlab-ci-token");
      String variable = env.containsKey("CI_REGISTRY_PASSWORD") ? "CI_REGISTRY_PASSWORD"
          : "CI_JOB_TOKEN";
      String password = env.get(variable);
      if (password != null && !password.isEmpty()) {
        return Optional.of(new Found(Credential.from(user, password),
            "GitLab CI variables (CI_REGISTRY_USER)", variable));
      }
    }
    if (sameRegistry(env.get("CI_DEPENDENCY_PROXY_SERVER"), registry)) {
      String user = env.get("CI_DEPENDENCY_PROXY_USER");
      String password = env.get("CI_DEPENDENCY_PROXY_PASSWORD");
      if (user != null && password != null) {
        return Optional.of(new Found(Credential.from(user, password),
            "GitLab CI variables (CI_DEPENDENCY_PROXY_USER)", "CI_DEPENDENCY_PROXY_PASSWORD"));
      }
    }
    return Optional.empty();
  }

  /** Host names compare case-insensitively, and ":443" is the same as no port. */
  static boolean sameRegistry(String configured, String registry) {
    if (configured == null || configured.isBlank()) {
      return false;
    }
    return normalise(configured).equals(normalise(registry));
  }

  private static String normalise(String registry) {
    String lower = registry.trim().toLowerCase(java.util.Locale.ROOT);
    return lower.endsWith(":443") ? lower.substring(0, lower.length() - 4) : lower;
  }

  private List<Path> configFiles() {
    return configCandidates().stream().filter(Files::isRegularFile).toList();
  }

  /** Every config file a credential may be in, whether it exists or not. */
  private List<Path> configCandidates() {
    List<Path> files = new ArrayList<>();
    String dockerConfig = env.get("DOCKER_CONFIG");
    files.add(dockerConfig != null && !dockerConfig.isEmpty()
        ? Path.of(dockerConfig, "config.json")
        : home.resolve(".docker/config.json"));
    String authFile = env.get("REGISTRY_AUTH_FILE");
    if (authFile != null && !authFile.isEmpty()) {
      files.add(Path.of(authFile));
    }
    String runtimeDir = env.get("XDG_RUNTIME_DIR");
    if (runtimeDir != null && !runtimeDir.isEmpty()) {
      files.add(Path.of(runtimeDir, "containers/auth.json"));
    }
    files.add(home.resolve(".config/containers/auth.json"));
    return files;
  }
}
