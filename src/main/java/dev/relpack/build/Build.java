package dev.relpack.build;

import com.google.cloud.tools.jib.api.LogEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseImage;
import dev.relpack.base.BaseResolver;
import dev.relpack.base.BaseSpec;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import dev.relpack.image.ImageDefaults;
import dev.relpack.image.ImageOptions;
import dev.relpack.image.ImageResult;
import dev.relpack.image.ImageSpec;
import dev.relpack.image.JibImageBuilder;
import dev.relpack.image.Target;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryHosts;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import dev.relpack.registry.TrustedCertificates;
import dev.relpack.release.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * One build, start to end: check every input, read and layer the release, reach the registries,
 * pin the base, build and push, then write the digest and metadata files. Nothing is written
 * outside the cache and the named outputs, and those only once the image exists.
 */
public final class Build {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  private final Path machineRoot;

  /** @param machineRoot the machine {@code --from host} takes files from ({@code /}) */
  public Build(Path machineRoot) {
    this.machineRoot = machineRoot;
  }

  public BuildReport run(BuildRequest request, Reporter reporter) {
    long started = System.nanoTime();
    // Everything the user typed is checked before any work.
    BaseSpec baseSpec = BaseSpec.parse(request.from());
    ImageOptions options = new ImageOptions(request.appRoot(), request.user(), request.ports(),
        ImageOptions.keyValues("-e", request.env()), ImageOptions.keyValues("-l", request.labels()));
    if (request.release().isEmpty() && request.projectDir().isEmpty()) {
      throw new BadInputException(
          "give the release with --release PATH, or its mix project with --project-dir DIR");
    }
    Target target = Target.parse(request.to(), request.tags());
    target.checkWritable();
    request.digestFile().ifPresent(f -> requireParent(f, "--digest-file"));
    request.metadataFile().ifPresent(f -> requireParent(f, "--metadata"));
    TrustedCertificates.trustAlso(caFiles(request));
    RegistryAccess access = new RegistryAccess(request.insecure());
    // Reaching the registries waits on the network and TLS set-up, reading the release on the disk
    // and the CPU: do both at once.
    CompletableFuture<Boolean> probed = probeInBackground(target, baseSpec, access, reporter);

    reporter.step("Reading release " + describe(request));
    ReleaseLoader.Loaded loaded = ReleaseLoader.load(request.release(), request.projectDir(),
        request.apps(), request.cacheDir(), request.environment());
    Release release = loaded.release();
    reporter.step("Release " + release.name() + " " + release.version() + " ("
        + release.kind().label() + ", ERTS " + release.ertsVersion()
        + (release.ertsIncluded() ? "" : ", not included") + "), " + release.files().size()
        + " files in " + loaded.plan().layers().size() + " layers");

    Consumer<LogEvent> log = event -> reporter.debug(event.getMessage());
    boolean insecureNeeded = join(probed);
    RegistryCredentials credentials = new RegistryCredentials(request.environment(), request.home());
    RegistryReader registry = new RegistryReader(access, log);
    Path cacheRoot = CacheDirectory.root(request.cacheDir());

    reporter.step("Preparing base " + request.from());
    String architecture = architectureOf(release);
    BaseImage base = new BaseResolver(cacheRoot, machineRoot, registry, credentials,
        event -> reporter.warn(event.getMessage()))
        .resolve(baseSpec, release, new BaseResolver.Options(options.appRoot(), options.user(),
            request.check(), architecture));
    ImageSpec spec = ImageDefaults.spec(release, loaded.plan(), base, options,
        request.environment(), architecture);

    reporter.step("Building " + target.display() + " on " + base.name()
        + base.digest().map(d -> "@" + d).orElse(""));
    ImageResult image = new JibImageBuilder(new JibImageBuilder.Settings(cacheRoot,
        ToolVersion.line(), insecureNeeded, credentials, registry, Duration.ofSeconds(1)), reporter)
        .build(spec, target);
    BuildReport report = new BuildReport(release, loaded.plan(), base, target, image,
        Duration.ofNanos(System.nanoTime() - started));
    try {
      MetadataFile.writeAll(report, request.digestFile(), request.metadataFile());
    } catch (IOException e) {
      throw new InternalException("built " + report.reference() + " but cannot write the digest"
          + " or metadata file: " + e.getMessage(), e);
    }
    return report;
  }

  private static CompletableFuture<Boolean> probeInBackground(Target target, BaseSpec base,
      RegistryAccess access, Reporter reporter) {
    ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "relpack-probe");
      t.setDaemon(true);
      return t;
    });
    try {
      return CompletableFuture.supplyAsync(() -> probe(target, base, access, reporter), thread);
    } finally {
      thread.shutdown();
    }
  }

  private static boolean join(CompletableFuture<Boolean> probed) {
    try {
      return probed.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /**
   * Checks every registry involved answers, before anything is built. Returns whether jib must be
   * allowed insecure connections (only ever where {@link RegistryAccess} allows them).
   */
  private static boolean probe(Target target, BaseSpec base, RegistryAccess access,
      Reporter reporter) {
    List<String> registries = new ArrayList<>();
    if (target instanceof Target.Registry t) {
      registries.add(t.image().getRegistry());
    }
    if (base instanceof BaseSpec.Registry b) {
      registries.add(b.reference().getRegistry());
    }
    boolean insecure = false;
    RegistryProbe probe = new RegistryProbe(access, PROBE_TIMEOUT, Duration.ofMillis(500));
    for (String registry : registries.stream().distinct().toList()) {
      RegistryProbe.Transport transport = probe.probe(registry);
      if (transport != RegistryProbe.Transport.HTTPS) {
        insecure = true;
        String how = transport == RegistryProbe.Transport.HTTP ? "plain HTTP" : "unverified TLS";
        if (RegistryHosts.isLoopback(registry)) {
          reporter.debug("registry " + registry + " is on loopback: using " + how);
        } else {
          reporter.warn("registry " + registry + " is used over " + how + " (--insecure)");
        }
      }
      if (transport == RegistryProbe.Transport.HTTP) {
        // jib strips credentials from plain-HTTP requests unless told otherwise; the probe only
        // chose HTTP where --insecure or a loopback address allows it.
        System.setProperty("sendCredentialsOverHttp", "true");
      }
    }
    return insecure;
  }

  private static List<Path> caFiles(BuildRequest request) {
    List<Path> files = new ArrayList<>(request.registryCas());
    Optional.ofNullable(request.environment().get("CI_SERVER_TLS_CA_FILE"))
        .filter(s -> !s.isBlank()).map(Path::of).ifPresent(files::add);
    return files;
  }

  private static String architectureOf(Release release) {
    return release.files().stream()
        .filter(f -> f.path().matches("erts-[^/]+/bin/beam\\.smp"))
        .findFirst()
        .flatMap(f -> {
          try {
            return dev.relpack.elf.ElfReader.read(f.source()).ociArchitecture();
          } catch (IOException | dev.relpack.elf.ElfFormatException e) {
            return Optional.empty();
          }
        })
        .orElse(switch (System.getProperty("os.arch")) {
          case "aarch64" -> "arm64";
          default -> "amd64";
        });
  }

  private static String describe(BuildRequest request) {
    return request.release().map(Path::toString)
        .orElseGet(() -> "built in project " + request.projectDir().orElseThrow());
  }

  private static void requireParent(Path file, String option) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new BadInputException(option + " " + file + ": directory " + parent + " does not exist");
    }
    if (Files.isDirectory(file)) {
      throw new BadInputException(option + " " + file + " is a directory; name a file");
    }
  }
}
