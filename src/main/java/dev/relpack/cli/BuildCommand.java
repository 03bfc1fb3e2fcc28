package dev.relpack.cli;

import dev.relpack.engine.Engine;
import dev.relpack.engine.BuildReport;
import dev.relpack.engine.BuildRequest;
import dev.relpack.engine.ReleaseStep;
import dev.relpack.engine.Reporter;
import dev.relpack.error.ExitCode;
import dev.relpack.image.ImageOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relpack build}: release in, image out. */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Build an image from a release and push it to a registry, or write it to a"
        + " docker-archive (tar:PATH) or an OCI layout (oci:DIR).")
final class BuildCommand implements Callable<Integer> {
  private final Context context;

  @Option(names = "--release", paramLabel = "PATH",
      description = "Release directory (_build/prod/rel/NAME) or tarball (NAME-VSN.tar.gz).")
  Path release;

  @Option(names = "--project-dir", paramLabel = "DIR",
      description = "The mix (or rebar3) project: makes its release (mix deps.get, compile,"
          + " release), then builds it; which apps are its own.")
  Path projectDir;

  @Option(names = "--mix-env", paramLabel = "ENV",
      description = "MIX_ENV for the release step (default: $MIX_ENV, else prod).")
  String mixEnv;

  @Option(names = "--no-deps-get", description = "Skip mix deps.get (vendored dependencies).")
  boolean noDepsGet;

  @Option(names = "--release-name", paramLabel = "NAME",
      description = "The release to make, for projects that define several.")
  String releaseName;

  @Option(names = "--rebar-profile", paramLabel = "PROFILE",
      description = "rebar3 profile for the release step (default: "
          + ReleaseStep.DEFAULT_REBAR_PROFILE + ").")
  String rebarProfile;

  @Option(names = "--no-release",
      description = "With --project-dir: use the release the project has; run no mix.")
  boolean noRelease;

  @Option(names = "--app", paramLabel = "NAME",
      description = "An application of the project's own (repeatable); goes in the 'app' layer.")
  List<String> apps = new ArrayList<>();

  @Option(names = "--from", paramLabel = "BASE",
      description = "Base: a registry reference, tar:PATH, oci:DIR[:REF], scratch, or host"
          + " (default: " + BuildRequest.DEFAULT_FROM + ").")
  String from;

  @Option(names = "--to", paramLabel = "TARGET",
      description = "Target: a registry reference, tar:PATH (docker-archive) or oci:DIR[:REF]"
          + " (default in a GitLab CI job: $CI_REGISTRY_IMAGE, with tags from the pipeline).")
  String to;

  @Option(names = "--image-name", paramLabel = "NAME",
      description = "Push to $CI_REGISTRY_IMAGE/NAME (at most two path segments) instead of"
          + " giving --to.")
  String imageName;

  @Option(names = {"-t", "--tag"}, paramLabel = "TAG",
      description = "Tag (repeatable); without --to, in place of the pipeline's tags.")
  List<String> tags = new ArrayList<>();

  @Option(names = {"-p", "--port"}, paramLabel = "PORT[/udp]", description = "Exposed port (repeatable).")
  List<String> ports = new ArrayList<>();

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Label (repeatable).")
  List<String> labels = new ArrayList<>();

  @Option(names = "--user", paramLabel = "UID:GID",
      description = "User the release runs as (default: " + ImageOptions.DEFAULT_USER + ").")
  String user;

  @Option(names = "--app-root", paramLabel = "DIR",
      description = "Where the release goes in the image (default: "
          + ImageOptions.DEFAULT_APP_ROOT + ").")
  String appRoot;

  @Option(names = "--insecure", description = "Allow plain HTTP and unverified TLS to registries.")
  boolean insecure;

  @Option(names = "--registry-ca", paramLabel = "FILE",
      description = "Extra CA certificate (PEM) to trust (repeatable); CI_SERVER_TLS_CA_FILE too.")
  List<Path> registryCas = new ArrayList<>();

  @Option(names = "--digest-file", paramLabel = "FILE", description = "Write the image digest here.")
  Path digestFile;

  @Option(names = "--metadata", paramLabel = "FILE",
      description = "Write JSON: image, digest, tags, base, layers with name/digest/size.")
  Path metadata;

  @Option(names = "--dotenv", paramLabel = "FILE",
      description = "Write RELPACK_IMAGE, RELPACK_DIGEST, RELPACK_IMAGE_WITH_DIGEST and"
          + " RELPACK_TAGS as KEY=VALUE lines (GitLab's dotenv report).")
  Path dotenv;

  @Option(names = "--sbom", paramLabel = "FILE",
      description = "Write the image's SBOM here: the release, ERTS, every application with"
          + " its purl, native code, the base and its OS packages.")
  Path sbom;

  @Option(names = "--sbom-format", paramLabel = "cyclonedx|spdx",
      description = "CycloneDX 1.5 JSON (default) or SPDX 2.3 JSON.")
  String sbomFormat;

  @Option(names = "--no-sbom", description = "Attach no SBOM to the image.")
  boolean noSbom;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Cache (default: $XDG_CACHE_HOME/relpack or ~/.cache/relpack).")
  Path cacheDir;

  @Option(names = "--cache-from", paramLabel = "IMAGE",
      description = "Take unchanged layers from this earlier image instead of compressing them"
          + " (repeatable: the first that exists; default in a GitLab CI job: the target"
          + " repository's commit, branch, default-branch and latest tags, then its other tags).")
  List<String> cacheFrom = new ArrayList<>();

  @Option(names = "--no-cache-from", description = "Take no layers from earlier images.")
  boolean noCacheFrom;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Longest each registry phase (probe, base, build and push) may take; a"
          + " registry still not done by then fails the build (default: 300).")
  Long timeoutSeconds;

  @Option(names = "--no-check", description = "Build even if the release may not run on the base.")
  boolean noCheck;

  @Option(names = "--progress", paramLabel = "auto|plain|none", defaultValue = "auto",
      description = "auto: a progress bar on a terminal, else plain; plain: a line per step;"
          + " none: no step lines.")
  Progress progress;

  @Option(names = {"-q", "--quiet"},
      description = "Print only the image reference with its digest (and warnings, on stderr).")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, description = "Print details, and stack traces on errors.")
  boolean verbose;

  enum Progress { auto, plain, none }

  BuildCommand(Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    Reporter reporter = reporter();
    BuildRequest request = BuildRequest.builder(context.env(), context.home())
        .release(release).projectDir(projectDir).apps(apps).from(from).to(to).imageName(imageName).tags(tags)
        .ports(ports).env(env).labels(labels).user(user).appRoot(appRoot).insecure(insecure)
        .registryCas(registryCas).digestFile(digestFile).metadataFile(metadata).dotenvFile(dotenv)
        .sbomFile(sbom).sbomFormat(sbomFormat).attachSbom(!noSbom)
        .cacheDir(cacheDir).cacheFrom(cacheFrom).cacheFromDefaults(!noCacheFrom).check(!noCheck).timeoutSeconds(timeoutSeconds)
        .releaseStep(new ReleaseStep(!noRelease, java.util.Optional.ofNullable(mixEnv),
            !noDepsGet, java.util.Optional.ofNullable(releaseName),
            rebarProfile))
        .build();
    BuildReport report;
    try {
      report = new Engine(context.machineRoot()).run(request, reporter);
      reporter.debug("SHA-256 digests: " + NativeSha256.inUse());
    } finally {
      if (reporter instanceof TerminalReporter terminal) {
        terminal.clear(); // the summary, or the error, starts on a line of its own
      }
    }
    if (quiet) {
      context.out().println(report.reference());
    } else {
      Summary.print(report, context.out());
    }
    return ExitCode.OK.status();
  }

  private Reporter reporter() {
    if (quiet) {
      // no steps, but warnings still: a quiet job log must not hide that the check was off
      return new PlainReporter(context.err(), false, false);
    }
    boolean terminal = progress == Progress.auto && context.interactive()
        && !"dumb".equals(context.env().get("TERM"));
    return terminal ? new TerminalReporter(context.err(), verbose)
        : new PlainReporter(context.err(), progress != Progress.none, verbose);
  }
}
