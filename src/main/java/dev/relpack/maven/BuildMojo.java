package dev.relpack.maven;

import dev.relpack.engine.BuildReport;
import dev.relpack.engine.BuildRequest;
import dev.relpack.engine.Engine;
import dev.relpack.engine.ReleaseStep;
import dev.relpack.engine.UserHome;
import dev.relpack.error.BadInputException;
import dev.relpack.error.Input;
import dev.relpack.format.ocilayout.LayoutReference;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * {@code relpack:build}: the CLI's {@code relpack build}, in Maven's JVM. It only fills the same
 * {@link BuildRequest} the CLI fills and renders what the engine reports; every default and every
 * check lives in the engine. It needs no pom: {@code mvn
 * dev.relpack:relpack-maven-plugin:VERSION:build -Drelpack.release=... -Drelpack.to=...} runs it
 * anywhere Maven is.
 */
@Mojo(name = "build", requiresProject = false, threadSafe = true)
public final class BuildMojo extends AbstractMojo {

  /** A release directory ({@code _build/prod/rel/NAME}) or tarball; or use {@code projectDir}. */
  @Parameter(property = "relpack.release")
  File release;

  /** The mix (or rebar3) project: relpack makes its release, then builds it. */
  @Parameter(property = "relpack.projectDir")
  File projectDir;

  /** {@code MIX_ENV} for the release step (default: the environment's, else prod). */
  @Parameter(property = "relpack.mixEnv")
  String mixEnv;

  /** Skip {@code mix deps.get} (vendored dependencies). */
  @Parameter(property = "relpack.noDepsGet", defaultValue = "false")
  boolean noDepsGet;

  /** The release to make, for projects that define several. */
  @Parameter(property = "relpack.releaseName")
  String releaseName;

  /** rebar3 profile for the release step (default: prod). */
  @Parameter(property = "relpack.rebarProfile")
  String rebarProfile;

  /** With {@code projectDir}: use the release the project has; run no mix. */
  @Parameter(property = "relpack.noRelease", defaultValue = "false")
  boolean noRelease;

  /** Applications of the project's own: they go in the app layer. */
  @Parameter(property = "relpack.apps")
  List<String> apps;

  /** Base: a registry reference, {@code tar:PATH}, {@code oci:DIR[:REF]}, scratch or host. */
  @Parameter(property = "relpack.from")
  String from;

  /**
   * Target: a registry reference, {@code tar:PATH} or {@code oci:DIR[:REF]} (default in a
   * GitLab CI job: {@code $CI_REGISTRY_IMAGE}, with tags from the pipeline).
   */
  @Parameter(property = "relpack.to")
  String to;

  /** Push to {@code $CI_REGISTRY_IMAGE/NAME} (at most two path segments) instead of a target. */
  @Parameter(property = "relpack.imageName")
  String imageName;

  /**
   * Tags beside the target's own ({@code -Drelpack.tags=a,b}); without a target, in place of
   * the pipeline's tags.
   */
  @Parameter(property = "relpack.tags")
  List<String> tags;

  /** Exposed ports, {@code PORT[/udp]}. */
  @Parameter(property = "relpack.ports")
  List<String> ports;

  /** Environment variables of the image. */
  @Parameter
  Map<String, String> environment;

  /**
   * More environment variables, {@code KEY=VALUE} each: what a command line without a pom can
   * give ({@code -Drelpack.env=PHX_SERVER=true,A=b}), which a map parameter cannot be.
   */
  @Parameter(property = "relpack.env")
  List<String> env;

  /** More labels, {@code KEY=VALUE} each ({@code -Drelpack.label=team=web}). */
  @Parameter(property = "relpack.label")
  List<String> label;

  /** Labels of the image. */
  @Parameter
  Map<String, String> labels;

  /** The user the release runs as, {@code UID:GID}. */
  @Parameter(property = "relpack.user")
  String user;

  /** Where the release goes in the image. */
  @Parameter(property = "relpack.appRoot")
  String appRoot;

  /** Allow plain HTTP and unverified TLS to registries. */
  @Parameter(property = "relpack.insecure", defaultValue = "false")
  boolean insecure;

  /** Extra CA certificates (PEM) to trust, for this build only. */
  @Parameter(property = "relpack.registryCas")
  List<File> registryCas;

  /** Where to write the image digest. */
  @Parameter(property = "relpack.digestFile")
  File digestFile;

  /** Where to write the build's JSON metadata. */
  @Parameter(property = "relpack.metadataFile")
  File metadataFile;

  /** Where to write the image as KEY=VALUE lines, for GitLab's dotenv report. */
  @Parameter(property = "relpack.dotenvFile")
  File dotenvFile;

  /**
   * Where to write the image's SBOM: the release, ERTS, every application with its purl, native
   * code, the base and its OS packages.
   */
  @Parameter(property = "relpack.sbomFile")
  File sbomFile;

  /** {@code cyclonedx} (CycloneDX 1.5 JSON, the default) or {@code spdx} (SPDX 2.3 JSON). */
  @Parameter(property = "relpack.sbomFormat")
  String sbomFormat;

  /** Attach no SBOM to the image. */
  @Parameter(property = "relpack.noSbom", defaultValue = "false")
  boolean noSbom;

  /** relpack's cache (default: $XDG_CACHE_HOME/relpack or ~/.cache/relpack). */
  @Parameter(property = "relpack.cacheDir")
  File cacheDir;

  /**
   * Images to take unchanged layers from instead of compressing them, the first that exists
   * (default in a GitLab CI job: the target repository's commit, branch, default-branch and
   * {@code latest} tags, then its other tags).
   */
  @Parameter(property = "relpack.cacheFrom")
  List<String> cacheFrom;

  /** Take no layers from earlier images, not even a GitLab CI job's default ones. */
  @Parameter(property = "relpack.noCacheFrom", defaultValue = "false")
  boolean noCacheFrom;

  /** Longest each registry phase may take, in seconds (default: 300). */
  @Parameter(property = "relpack.timeout")
  Long timeout;

  /** Build even if the release may not run on the base. */
  @Parameter(property = "relpack.noCheck", defaultValue = "false")
  boolean noCheck;

  /** Do nothing. */
  @Parameter(property = "relpack.skip", defaultValue = "false")
  boolean skip;

  @Parameter(defaultValue = "${settings}", readonly = true)
  Settings settings;

  /** The module's directory (without a pom, where Maven runs): relative paths start here. */
  @Parameter(defaultValue = "${basedir}", readonly = true)
  File basedir;

  @Component
  SettingsDecrypter decrypter;

  @Override
  public void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("relpack: skipped (relpack.skip)");
      return;
    }
    Map<String, String> env = System.getenv();
    MavenReporter reporter = new MavenReporter(getLog());
    try {
      BuildRequest request = request(env, reporter);
      createParent(digestFile);
      createParent(metadataFile);
      createParent(dotenvFile);
      createParent(sbomFile);
      targetFile().ifPresent(this::createParent);
      BuildReport report = new Engine(Path.of("/")).run(request, reporter);
      MavenSummary.log(report, getLog());
    } catch (RuntimeException e) {
      MavenErrors.raise(e, getLog());
    }
  }

  private BuildRequest request(Map<String, String> env, MavenReporter reporter) {
    return BuildRequest.builder(env, UserHome.of(env))
        .release(path(release)).projectDir(path(projectDir)).apps(apps)
        .from(inModule(from)).to(inModule(to)).imageName(imageName)
        .tags(tags).ports(ports).env(pairs(environment, this.env)).labels(pairs(labels, label)).user(user)
        .appRoot(appRoot).insecure(insecure).registryCas(paths(registryCas))
        .digestFile(path(digestFile)).metadataFile(path(metadataFile))
        .dotenvFile(path(dotenvFile)).cacheDir(path(cacheDir))
        .sbomFile(path(sbomFile)).sbomFormat(sbomFormat).attachSbom(!noSbom)
        .cacheFrom(cacheFrom).cacheFromDefaults(!noCacheFrom)
        .check(!noCheck).timeoutSeconds(timeout)
        .releaseStep(new ReleaseStep(!noRelease, Optional.ofNullable(mixEnv), !noDepsGet,
            Optional.ofNullable(releaseName), rebarProfile))
        .logins(SettingsLogins.of(settings, decrypter, reporter))
        .build();
  }

  /** The file or layout directory a {@code tar:} or {@code oci:} target writes. */
  private Optional<File> targetFile() {
    String location = inModule(to);
    if (location == null) {
      return Optional.empty();
    }
    if (location.startsWith("tar:") && location.length() > 4) {
      return Optional.of(new File(location.substring(4)));
    }
    if (location.startsWith("oci:") && location.length() > 4) {
      return Optional.of(LayoutReference.parse(location.substring(4), Input.TO.toString()).dir()
          .toFile());
    }
    return Optional.empty();
  }

  /**
   * Maven plugins make the directories they write to (a pom names ${project.build.directory},
   * which a pom-packaging build never creates); the CLI leaves that to the user.
   */
  private void createParent(File file) {
    if (file != null && file.getAbsoluteFile().getParentFile() != null) {
      try {
        Files.createDirectories(file.getAbsoluteFile().getParentFile().toPath());
      } catch (IOException e) {
        throw new BadInputException("cannot make the directory of " + file
            + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * A {@code tar:} or {@code oci:} path as Maven resolves a File parameter: from the module's
   * directory, so two modules of a reactor naming {@code oci:target/image} write two layouts.
   */
  private String inModule(String location) {
    if (location == null || basedir == null) {
      return location;
    }
    for (String kind : List.of("tar:", "oci:")) {
      if (location.startsWith(kind) && location.length() > kind.length()
          && !location.startsWith(kind + "/")) {
        return kind + basedir.toPath().resolve(location.substring(kind.length())).normalize();
      }
    }
    return location;
  }

  private static Path path(File file) {
    return file == null ? null : file.toPath();
  }

  private static List<Path> paths(List<File> files) {
    return files == null ? null : files.stream().map(File::toPath).toList();
  }

  /**
   * {@code KEY=VALUE} each, as the CLI's repeated {@code -e} and {@code -l} give them: the map's
   * entries, then the list's (a later one wins, as on the command line).
   */
  private static List<String> pairs(Map<String, String> map, List<String> more) {
    List<String> pairs = new ArrayList<>();
    if (map != null) {
      map.forEach((key, value) -> pairs.add(key + "=" + (value == null ? "" : value)));
    }
    if (more != null) {
      pairs.addAll(more);
    }
    return pairs;
  }
}
