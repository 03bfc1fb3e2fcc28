package dev.relpack.engine;

import dev.relpack.auth.RegistryLogin;
import dev.relpack.error.BadInputException;
import dev.relpack.image.ImageOptions;
import dev.relpack.sbom.SbomFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One build, as asked for on the command line (or by the Maven goal).
 *
 * @param release a release directory or tarball; empty to take the one a project built
 * @param projectDir the mix project, for finding the release and knowing its own apps
 * @param apps applications to treat as the project's own ({@code --app})
 * @param to the target; empty for relpack to choose it in a GitLab CI job
 * @param imageName an image below {@code $CI_REGISTRY_IMAGE} to push to instead of naming
 *     {@code to}
 * @param tags tags beside any in {@code to}; without {@code to}, in place of the default tags
 * @param environment the process environment: CI variables, credentials locations, MIX_ENV
 * @param timeout the longest each phase of the build that talks to registries may take
 * @param releaseStep whether and how {@code build} makes the release of {@code projectDir}
 * @param dotenvFile where to write the image as KEY=VALUE lines for a CI job's dotenv report
 * @param logins registry logins the front end knows of (Maven's settings.xml servers), tried
 *     after every source relpack reads itself
 * @param sbomFile where to write the image's SBOM
 * @param sbomFormat the form of the SBOM, in that file and attached to the image
 * @param attachSbom whether a registry or {@code oci:} target gets the SBOM as a referrer of
 *     the image
 */
public record BuildRequest(
    Optional<Path> release,
    Optional<Path> projectDir,
    List<String> apps,
    String from,
    String to,
    Optional<String> imageName,
    List<String> tags,
    List<String> ports,
    List<String> env,
    List<String> labels,
    String user,
    String appRoot,
    boolean insecure,
    List<Path> registryCas,
    Optional<Path> digestFile,
    Optional<Path> metadataFile,
    Optional<Path> dotenvFile,
    Path cacheDir,
    boolean check,
    Map<String, String> environment,
    Path home,
    Duration timeout,
    ReleaseStep releaseStep,
    List<RegistryLogin> logins,
    List<String> cacheFrom,
    boolean cacheFromDefaults,
    Optional<Path> sbomFile,
    SbomFormat sbomFormat,
    boolean attachSbom) {

  /**
   * How long each registry phase of a build (probing, reading the base, building and pushing)
   * may take: long enough to push a few hundred MB over a slow CI link, short enough that a
   * stalled registry does not hold a CI job for jib's quarter of an hour of retries.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

  /** A day: no registry phase needs more. */
  public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

  public BuildRequest {
    apps = List.copyOf(apps);
    tags = List.copyOf(tags);
    ports = List.copyOf(ports);
    env = List.copyOf(env);
    labels = List.copyOf(labels);
    registryCas = List.copyOf(registryCas);
    environment = Map.copyOf(environment);
    logins = List.copyOf(logins);
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new BadInputException("{timeout} " + timeout.toSeconds() + ": give a number of"
          + " seconds from 1 to " + MAX_TIMEOUT.toSeconds());
    }
  }

  /** The base when none is named: this machine's files, where the release was built. */
  public static final String DEFAULT_FROM = "host";

  /**
   * A request with every default, for a front end to fill with what its user gave.
   *
   * @param environment the process environment (CI variables, credentials, XDG directories)
   * @param home the user's home directory
   */
  public static Builder builder(Map<String, String> environment, Path home) {
    return new Builder(environment, home);
  }

  /**
   * Fills a request field by field. A null or absent value keeps the default: the base
   * {@value #DEFAULT_FROM}, user {@value ImageOptions#DEFAULT_USER}, app root {@value
   * ImageOptions#DEFAULT_APP_ROOT}, the check on, {@link #DEFAULT_TIMEOUT}, and the cache where
   * {@link CacheDirectory#defaultFor} puts it.
   */
  public static final class Builder {
    private final Map<String, String> environment;
    private final Path home;
    private Path release;
    private Path projectDir;
    private List<String> apps = List.of();
    private String from = DEFAULT_FROM;
    private String to = "";
    private String imageName;
    private List<String> tags = List.of();
    private List<String> ports = List.of();
    private List<String> env = List.of();
    private List<String> labels = List.of();
    private String user = ImageOptions.DEFAULT_USER;
    private String appRoot = ImageOptions.DEFAULT_APP_ROOT;
    private boolean insecure;
    private List<Path> registryCas = List.of();
    private Path digestFile;
    private Path metadataFile;
    private Path dotenvFile;
    private Path cacheDir;
    private boolean check = true;
    private Duration timeout = DEFAULT_TIMEOUT;
    private ReleaseStep releaseStep = ReleaseStep.NONE;
    private List<RegistryLogin> logins = List.of();
    private List<String> cacheFrom = List.of();
    private boolean cacheFromDefaults = true;
    private Path sbomFile;
    private SbomFormat sbomFormat = SbomFormat.CYCLONEDX;
    private boolean attachSbom = true;

    private Builder(Map<String, String> environment, Path home) {
      this.environment = Map.copyOf(environment);
      this.home = home;
    }

    public Builder release(Path value) {
      release = value;
      return this;
    }

    public Builder projectDir(Path value) {
      projectDir = value;
      return this;
    }

    public Builder apps(List<String> value) {
      apps = value == null ? List.of() : value;
      return this;
    }

    public Builder from(String value) {
      from = value == null ? DEFAULT_FROM : value;
      return this;
    }

    public Builder to(String value) {
      to = value == null ? "" : value;
      return this;
    }

    /** An image below {@code $CI_REGISTRY_IMAGE}; null for none. */
    public Builder imageName(String value) {
      imageName = value;
      return this;
    }

    public Builder tags(List<String> value) {
      tags = value == null ? List.of() : value;
      return this;
    }

    public Builder ports(List<String> value) {
      ports = value == null ? List.of() : value;
      return this;
    }

    /** Environment variables for the image, {@code KEY=VALUE} each. */
    public Builder env(List<String> value) {
      env = value == null ? List.of() : value;
      return this;
    }

    /** Labels for the image, {@code KEY=VALUE} each. */
    public Builder labels(List<String> value) {
      labels = value == null ? List.of() : value;
      return this;
    }

    public Builder user(String value) {
      user = value == null ? ImageOptions.DEFAULT_USER : value;
      return this;
    }

    public Builder appRoot(String value) {
      appRoot = value == null ? ImageOptions.DEFAULT_APP_ROOT : value;
      return this;
    }

    public Builder insecure(boolean value) {
      insecure = value;
      return this;
    }

    public Builder registryCas(List<Path> value) {
      registryCas = value == null ? List.of() : value;
      return this;
    }

    public Builder digestFile(Path value) {
      digestFile = value;
      return this;
    }

    public Builder metadataFile(Path value) {
      metadataFile = value;
      return this;
    }

    /** {@code KEY=VALUE} lines for GitLab's {@code artifacts: reports: dotenv}. */
    public Builder dotenvFile(Path value) {
      dotenvFile = value;
      return this;
    }

    public Builder cacheDir(Path value) {
      cacheDir = value;
      return this;
    }

    public Builder check(boolean value) {
      check = value;
      return this;
    }

    /** @param seconds null for the default */
    public Builder timeoutSeconds(Long seconds) {
      timeout = seconds == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(seconds);
      return this;
    }

    public Builder releaseStep(ReleaseStep value) {
      releaseStep = value == null ? ReleaseStep.NONE : value;
      return this;
    }

    public Builder logins(List<RegistryLogin> value) {
      logins = value == null ? List.of() : value;
      return this;
    }

    /** Images to take unchanged layers from, in order of preference (the first that exists). */
    public Builder cacheFrom(List<String> value) {
      cacheFrom = value == null ? List.of() : value;
      return this;
    }

    /** Whether a GitLab CI job takes layers from the target's earlier images when none are named. */
    public Builder cacheFromDefaults(boolean value) {
      cacheFromDefaults = value;
      return this;
    }

    /** Where to write the image's SBOM; null for nowhere. */
    public Builder sbomFile(Path value) {
      sbomFile = value;
      return this;
    }

    /**
     * {@code cyclonedx} (the default, for null) or {@code spdx}.
     *
     * @throws BadInputException for any other name
     */
    public Builder sbomFormat(String value) {
      sbomFormat = SbomFormat.parse(value);
      return this;
    }

    /** Whether the SBOM is attached to the image as a referrer (the default). */
    public Builder attachSbom(boolean value) {
      attachSbom = value;
      return this;
    }

    public BuildRequest build() {
      return new BuildRequest(Optional.ofNullable(release), Optional.ofNullable(projectDir), apps,
          from, to, Optional.ofNullable(imageName), tags, ports, env, labels, user, appRoot, insecure, registryCas,
          Optional.ofNullable(digestFile), Optional.ofNullable(metadataFile),
          Optional.ofNullable(dotenvFile),
          cacheDir != null ? cacheDir : CacheDirectory.defaultFor(environment, home), check,
          environment, home, timeout, releaseStep, logins, cacheFrom, cacheFromDefaults,
          Optional.ofNullable(sbomFile), sbomFormat, attachSbom);
    }
  }

  /** Never the environment: it holds CI_REGISTRY_PASSWORD and CI_JOB_TOKEN. */
  @Override
  public String toString() {
    return "BuildRequest[release=" + release + ", projectDir=" + projectDir + ", from=" + from
        + ", to=" + to + ", imageName=" + imageName + ", tags=" + tags + "]";
  }
}
