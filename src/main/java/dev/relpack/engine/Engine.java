package dev.relpack.engine;

import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseImage;
import dev.relpack.base.BaseContext;
import dev.relpack.base.BaseSpec;
import dev.relpack.base.OsInventory;
import dev.relpack.elf.NativeCode;
import dev.relpack.boot.Problem;
import dev.relpack.boot.Verdict;
import dev.relpack.error.BadInputException;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.Input;
import dev.relpack.error.InternalException;
import dev.relpack.error.RegistryException;
import dev.relpack.error.RelpackException;
import dev.relpack.image.ImageDefaults;
import dev.relpack.image.ImageOptions;
import dev.relpack.image.ImageResult;
import dev.relpack.image.ImageSpec;
import dev.relpack.image.JibImageBuilder;
import dev.relpack.image.LayerClaims;
import dev.relpack.image.LayerReuse;
import dev.relpack.image.LayerTrust;
import dev.relpack.image.PredictedImage;
import dev.relpack.publish.Attachment;
import dev.relpack.publish.BuildAccess;
import dev.relpack.publish.GitlabDefaults;
import dev.relpack.publish.Target;
import dev.relpack.publish.TargetAccess;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.Printable;
import dev.relpack.io.SourceDate;
import dev.relpack.io.TreeSeals;
import dev.relpack.io.WritableDirectory;
import dev.relpack.registry.PushAccess;
import dev.relpack.registry.ReadLimits;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryHosts;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import dev.relpack.registry.TlsTrust;
import dev.relpack.release.MixProject;
import dev.relpack.release.ContentStore;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseFile;
import dev.relpack.sbom.HexPackages;
import dev.relpack.sbom.ImageContents;
import dev.relpack.sbom.Sbom;
import dev.relpack.sbom.SbomBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The only place that sequences a build, for every front end, in two steps as ko separates
 * building from publishing. {@link #plan}: check every input, read and layer the release, reach
 * the registries, pin the base and assemble the image spec, writing nothing but the cache;
 * {@link #check(BuildPlan, Reporter)}: whether the base boots the release; {@link #publish}:
 * build the image, write it to the target, then the digest and metadata files. {@link #run} does
 * all three, as the CLI and the Maven goal ask. Nothing is written outside the cache and the
 * named outputs, and those only once the image exists.
 */
public final class Engine {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  /** The state's directory of images kept by their shape ({@link KnownImages#shapeKey}). */
  private static final String IMAGE_SHAPES = "image-shapes";
  /**
   * The longest taking layers from an earlier image may take: far longer than fetching a
   * release's layers from a registry on the job's network, short enough that a stalled one does
   * not hold a job long for a saving.
   */
  static final Duration REUSE_TIME = Duration.ofSeconds(60);
  private final Path machineRoot;

  /** @param machineRoot the machine {@code --from host} takes files from ({@code /}) */
  public Engine(Path machineRoot) {
    this.machineRoot = machineRoot;
  }

  /**
   * Builds the image and writes it to the target (registry, {@code tar:} or {@code oci:}):
   * {@link #plan}, then {@link #check(BuildPlan, Reporter)} unless the request turns the check
   * off, then {@link #publish}.
   *
   * @param request the build, with a target
   * @param reporter where steps, progress and warnings go
   * @return what was built and where
   * @throws dev.relpack.error.CheckFailedException when the base will not boot the release
   */
  public BuildReport run(BuildRequest request, Reporter reporter) {
    BuildPlan plan = plan(request, reporter);
    // the check and the push leave a core free: the SBOM's reading of the release goes there
    plan.sbom().ifPresent(sbom -> sbom.contents().readAhead());
    if (request.check()) {
      requireFits(check(plan, reporter), reporter);
    } else {
      reporter.warn("the boot check is off: nothing checked that the release will run on "
          + plan.base().name());
    }
    return publish(plan, reporter);
  }

  /**
   * Decides everything about a build before anything is written: checks the target and the
   * digest and metadata files can be written, asks the target registry whether the credentials
   * may push there (before anything is made or read), makes the release when the request asks
   * relpack to run mix or rebar3, reads and layers it, probes the other registries, pins the
   * base and assembles the image spec. Writes nothing but the cache and the user's private
   * state (which release units were found intact, what a release tarball held, and for the host
   * base which packages own its files).
   *
   * @param request the build; it must name a target
   * @param reporter where steps and warnings go
   * @return the plan, for {@link #check(BuildPlan, Reporter)} and {@link #publish}
   * @throws BadInputException when an input is wrong, the target cannot be written, or the
   *     target registry's credentials are missing, refused or not allowed to push there
   */
  public BuildPlan plan(BuildRequest request, Reporter reporter) {
    return plan(request, reporter, true);
  }

  /**
   * The plan a check needs: the release as it is (mix is not run), the base pinned, no target
   * parsed, nothing written but the cache. {@link #publish} refuses it.
   *
   * @param request the build; its target, tags and output files are not read
   * @param reporter where steps and warnings go
   * @return a plan without a target
   */
  public BuildPlan planWithoutTarget(BuildRequest request, Reporter reporter) {
    return plan(request, reporter, false);
  }

  /**
   * Whether the plan's base boots its release, and if not, everything it lacks. Writes no image.
   *
   * @param plan a plan, with or without a target
   * @param reporter where the step and warnings go
   * @return the verdict; a front end decides what a misfit means
   */
  public Verdict check(BuildPlan plan, Reporter reporter) {
    reporter.step("Checking that " + plan.base().name() + " boots the release");
    KnownVerdicts known = new KnownVerdicts(StateDirectory.of(plan.request().environment(),
        plan.request().home()).resolve("boot-verdicts"));
    ContentStore store = new ContentStore(plan.cacheRoot(), warning -> { });
    Optional<String> key = KnownImages.checkKey(plan.spec(),
        ContentStore.unitsUnder(plan.cacheRoot()), store::fileDigest);
    Optional<Verdict> kept = key.flatMap(k -> known.find(k, plan.base().name()));
    if (kept.isPresent()) {
      reporter.debug("this release passed the check on " + plan.base().name() + " before");
      return kept.get();
    }
    Verdict verdict = RegistryDeadline.of(plan.request().timeout(),
            registryOf(plan.baseSpec().registryImage()), plan.registries().trust())
        .run("reading the layers of " + plan.request().from(),
            () -> new BaseCheck(machineRoot, plan.cacheRoot(), reporter::warn)
                .check(plan.release(), plan.base(), plan.appRoot(),
                    plan.spec().environment()));
    key.ifPresent(k -> known.remember(k, verdict));
    return verdict;
  }

  /**
   * Whether the base boots the release, as the {@code check} command asks: plans without a
   * target ({@link #planWithoutTarget}), then checks. Writes no image.
   *
   * @param request the release and the base; no target is needed
   * @param reporter where steps and warnings go
   * @return the verdict
   */
  public Verdict check(BuildRequest request, Reporter reporter) {
    return check(planWithoutTarget(request, reporter), reporter);
  }

  /**
   * Builds the planned image and writes it to the plan's target, then writes the digest and
   * metadata files the request names. A build of the same inputs that pushed the image to that
   * repository before ({@link KnownImages}) gives it the target's tags instead, when the registry
   * still holds it. Does not check the base: call
   * {@link #check(BuildPlan, Reporter)} first, as {@link #run} does.
   *
   * @param plan a plan made with a target ({@link #plan})
   * @param reporter where steps, progress and warnings go
   * @return what was built and where; its time counts from the start of planning
   * @throws BadInputException when the plan has no target
   */
  public BuildReport publish(BuildPlan plan, Reporter reporter) {
    Target target = plan.target().orElseThrow(() -> new BadInputException("this build plan was"
        + " made without a target, to check the base; plan it with a target to publish it"));
    BaseImage base = plan.base();
    reporter.step("Building " + target.display() + " on " + base.name()
        + base.digest().map(d -> "@" + d).orElse(""));
    Path state = StateDirectory.of(plan.request().environment(), plan.request().home());
    KnownImages known = new KnownImages(state.resolve("images"));
    KnownImages shapes = new KnownImages(state.resolve(IMAGE_SHAPES));
    Optional<String> key = plan.layerFiles().flatMap(f -> KnownImages.key(plan.spec(), target, f));
    Optional<ImageResult> tagged = key.flatMap(k -> known.find(k, target.tags()))
        .flatMap(image -> tagKnown(plan, target, image, reporter));
    Optional<String> shape = KnownImages.shapeKey(plan.spec(), target);
    SbomAhead sbomAhead = sbomAhead(plan, target, reporter);
    ImageResult image;
    try {
      image = tagged.orElseGet(() -> build(plan, target,
          shape.flatMap(s -> shapes.find(s, target.tags())), reporter, sbomAhead::writing));
    } catch (RuntimeException | Error e) {
      sbomAhead.abandon();
      throw e;
    }
    // kept while the SBOM is made and attached: the state's first JSON costs a cold JVM
    // milliseconds, the attachment's requests are mostly waiting
    CompletableFuture<Void> remembered = tagged.isPresent()
        ? CompletableFuture.completedFuture(null) : CompletableFuture.runAsync(() -> {
          key.ifPresent(k -> known.remember(k, image));
          shape.ifPresent(s -> shapes.remember(s, image));
        });
    KnownReferrers referrers = new KnownReferrers(state.resolve("sbom-referrers"));
    Optional<String> stillAttached = tagged.isPresent()
        ? stillAttached(plan, target, key.get(), image.digest(), referrers, reporter)
        : Optional.empty();
    SbomResult made = sbomResult(plan, target, image.digest(), stillAttached, sbomAhead,
        reporter);
    Optional<byte[]> sbom = made.document();
    Optional<String> referrer = made.referrer();
    RelpackException sbomFailure = made.failure().orElse(null);
    if (stillAttached.isEmpty() && referrer.isPresent() && key.isPresent()) {
      sbomDate(plan).ifPresent(dated -> referrers.remember(key.get(),
          plan.request().sbomFormat().mediaType(), dated, referrer.get()));
    }
    remembered.join(); // never fails: a state that cannot be written costs a later build time
    BuildReport report = new BuildReport(plan.release(), plan.layers(), base, target, image,
        Duration.ofNanos(System.nanoTime() - plan.started()), plan.releaseStep(), referrer);
    try {
      MetadataFile.writeAll(report, plan.request().digestFile(), plan.request().metadataFile(),
          plan.request().dotenvFile());
      if (plan.request().sbomFile().isPresent() && sbom.isPresent()) {
        AtomicFiles.write(plan.request().sbomFile().get(), sbom.get());
      }
    } catch (IOException e) {
      throw new InternalException("built " + report.reference() + " but cannot write the digest,"
          + " metadata or SBOM file: " + e.getMessage(), e);
    }
    if (sbomFailure != null && plan.request().sbomFile().isPresent()) {
      throw sbomFailure; // asked for by name: the build fails, with everything else written
    }
    return report;
  }

  /**
   * The image's SBOM as a build made it and where it was attached.
   *
   * @param document the SBOM, when made
   * @param referrer the artifact manifest attaching it, when attached (now or before)
   * @param failure why it could not be made
   */
  private record SbomResult(Optional<byte[]> document, Optional<String> referrer,
      Optional<RelpackException> failure) {}

  /**
   * The SBOM of the image {@code digest}: the one attached while the image was written
   * ({@link SbomAhead}), else made and attached now, unless {@code stillAttached} names the one
   * attached before. One that cannot be made or attached costs a warning here.
   */
  private static SbomResult sbomResult(BuildPlan plan, Target target, String digest,
      Optional<String> stillAttached, SbomAhead sbomAhead, Reporter reporter) {
    Optional<SbomAhead.Attached> ahead;
    try {
      ahead = sbomAhead.result(digest);
    } catch (RegistryException e) {
      // the registry ran out of the time to attach it: made for a file, not attached again
      warnNotAttached(target, digest, e, reporter);
      return sbomMadeNow(plan, target, digest, stillAttached, false, reporter);
    }
    if (ahead.isEmpty()) {
      return sbomMadeNow(plan, target, digest, stillAttached, plan.request().attachSbom(),
          reporter);
    }
    reporter.debug("attached the SBOM to " + digest + " as " + ahead.get().referrer()
        + " while the image was written");
    return new SbomResult(Optional.of(ahead.get().document()),
        Optional.of(ahead.get().referrer()), Optional.empty());
  }

  /** The SBOM made now, unless attached before, and attached now if {@code attaching}. */
  private static SbomResult sbomMadeNow(BuildPlan plan, Target target, String digest,
      Optional<String> stillAttached, boolean attaching, Reporter reporter) {
    Optional<byte[]> document;
    try {
      document = plan.sbom().filter(s -> stillAttached.isEmpty())
          .map(s -> sbomDocument(plan, s, digest));
    } catch (RelpackException e) {
      // the image is pushed: its digest and metadata files are written all the same
      reporter.warn("built " + target.reference(digest) + " but made no SBOM of it: "
          + e.getMessage());
      return new SbomResult(Optional.empty(), stillAttached, Optional.of(e));
    }
    Optional<String> referrer = stillAttached.or(() -> document.filter(s -> attaching)
        .flatMap(d -> attach(plan, target, digest, d, reporter)));
    return new SbomResult(document, referrer, Optional.empty());
  }

  /**
   * The SBOM a build of these inputs attached to the known image before, when the registry
   * still holds and lists it ({@link KnownReferrers}): then it is neither made nor attached
   * again. Only for an SBOM that is attached and not written to a file; empty, and it is made
   * and attached as usual, on any doubt.
   */
  private static Optional<String> stillAttached(BuildPlan plan, Target target, String key,
      String digest, KnownReferrers referrers, Reporter reporter) {
    if (plan.sbom().isEmpty() || !plan.request().attachSbom()
        || plan.request().sbomFile().isPresent()) {
      return Optional.empty();
    }
    Optional<String> referrer = sbomDate(plan).flatMap(dated -> referrers.find(key,
        plan.request().sbomFormat().mediaType(), dated));
    if (referrer.isEmpty()) {
      return Optional.empty();
    }
    try {
      boolean listed = targetPhase(plan).run("checking the SBOM of " + target.reference(digest),
          () -> target.attached(digest, referrer.get(), targetAccess(plan, reporter)));
      if (listed) {
        reporter.debug("the SBOM attached to " + digest + " before, " + referrer.get()
            + ", is still there and listed: not made or attached again");
        return referrer;
      }
    } catch (RelpackException e) {
      reporter.debug("cannot tell whether the SBOM attached to " + digest + " before is still"
          + " there (" + e.getMessage() + "); attaching it");
    }
    return Optional.empty();
  }

  /**
   * Readies jib's JSON mapper on another thread ({@link PredictedImage#warmUp}) for a build to a
   * registry whose state keeps no image it could write again (a CI job's, a first build's): once
   * its layers are made it predicts its image with jib's model, and the base's reading and the
   * boot check before that leave a core idle. A build with images kept (the same release again,
   * a change) writes from one of them without jib's model, and would only lose the CPU.
   */
  private static void readyPrediction(BuildRequest request, Optional<Target> target) {
    if (target.flatMap(Target::registryImage).isEmpty() || new KnownImages(StateDirectory.of(
        request.environment(), request.home()).resolve(IMAGE_SHAPES)).holdsAny()) {
      return;
    }
    Thread warmUp = new Thread(() -> PredictedImage.warmUp(), "relpack-prediction-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
  }

  /**
   * The time the SBOM is dated with, as the environment sets it ({@code undated} when it sets
   * none); empty when it cannot say.
   */
  private static Optional<String> sbomDate(BuildPlan plan) {
    try {
      return Optional.of(SourceDate.of(plan.request().environment()).map(Instant::toString)
          .orElse("undated"));
    } catch (RuntimeException e) {
      return Optional.empty(); // the SBOM's own making says what is wrong
    }
  }

  /**
   * Builds the image, taking unchanged layers from an earlier image where it can: by writing
   * again {@code previous}, an image of the same shape this user's builds pushed there, with this
   * build's layers ({@link ImageRevision}), or the {@code --cache-from} image of the target's
   * repository; with no earlier image, by writing what jib would push with the base's layers
   * mounted, when the base is on the target's registry; else with jib.
   *
   * @param writing told of the manifest of an image written without jib before its blobs go
   */
  private static ImageResult build(BuildPlan plan, Target target,
      Optional<ImageResult> previous, Reporter reporter,
      Consumer<RegistryReader.Descriptor> writing) {
    LayerReuse.Outcome reused = reuse(plan, cacheSources(plan.request(), target), reporter);
    return previous.flatMap(p -> revise(plan, target, p, reused.layers(), reporter, writing))
        .or(() -> reviseTaken(plan, target, reused, reporter, writing))
        .or(() -> writeNew(plan, target, reused, reporter, writing))
        .orElseGet(() -> buildWithJib(plan, target, reused, reporter));
  }

  /**
   * Writes the image jib would push without running jib ({@link ImageRevision#writeNew}) when
   * the base's repository is on the target's registry, so its layers are mounted: a build with
   * no earlier image to write again then costs its layers' uploads, a config and a manifest, not
   * jib's set-up, checks and manifest push, read back and pushed again. Empty, and the image is
   * built with jib, for any other base or when the registry will not mount.
   */
  private static Optional<ImageResult> writeNew(BuildPlan plan, Target target,
      LayerReuse.Outcome reused, Reporter reporter, Consumer<RegistryReader.Descriptor> writing) {
    Optional<ImageResult> written = withoutJib(plan, target, reporter, writing,
        (revision, phase, access) -> revision.writeNew(reused.layers(), phase, access),
        reason -> target.display() + " could not be written without jib (" + reason
            + "); building it with jib");
    written.ifPresent(image -> reporter.debug("wrote " + image.digest() + ", the image jib"
        + " would push, without jib: the base's layers mounted from its repository"));
    return written;
  }

  /** How an image is written without jib ({@link ImageRevision}). */
  @FunctionalInterface
  private interface Writing {
    Optional<ImageResult> write(ImageRevision revision, RegistryDeadline phase,
        TargetAccess access);
  }

  /**
   * The image {@code writing} writes, in a registry phase of its own; empty, and the image is
   * built with jib, when it throws ({@code failed} words why, for {@code -v}). A registry that
   * does not answer within the timeout ends the build, as for {@link #tagKnown}: jib would only
   * wait for it as long again.
   */
  private static Optional<ImageResult> withoutJib(BuildPlan plan, Target target,
      Reporter reporter, Consumer<RegistryReader.Descriptor> announce, Writing writing,
      Function<String, String> failed) {
    TargetAccess access = targetAccess(plan, reporter);
    RegistryDeadline phase = targetPhase(plan);
    try {
      return writing.write(new ImageRevision(plan, target, layerTrust(plan), reporter, announce),
          phase, access);
    } catch (RelpackException e) {
      if (phase.expired()) {
        throw e;
      }
      reporter.debug(failed.apply(e.getMessage()));
      return Optional.empty();
    }
  }

  private static ImageResult buildWithJib(BuildPlan plan, Target target,
      LayerReuse.Outcome reused, Reporter reporter) {
    BuildPlan.Registries registries = plan.registries();
    RegistryDeadline building = targetPhase(plan);
    JibImageBuilder builder = new JibImageBuilder(new JibImageBuilder.Settings(
        plan.cacheRoot(), ToolVersion.line(), registries.insecureNeeded(),
        registries.credentialsOverHttp(), registries.credentials(), registries.reader(),
        Duration.ofSeconds(1), building, layerTrust(plan)),
        reporter);
    return building.run("building " + target.display(),
        () -> builder.build(plan.spec(), target, reused.layers()));
  }

  /**
   * Gives the target's tags to the image a build of the same inputs pushed before
   * ({@link KnownImages}), when the registry still holds it; empty, and the image is built, when
   * it does not or will not take the tags. A registry that does not answer within the timeout
   * ends the build: building would only wait for it as long again.
   */
  private static Optional<ImageResult> tagKnown(BuildPlan plan, Target target, ImageResult known,
      Reporter reporter) {
    TargetAccess access = targetAccess(plan, reporter);
    RegistryDeadline tagging = targetPhase(plan);
    try {
      tagging.run("tagging " + target.reference(known.digest()), () -> {
        target.tag(known.digest(), target.tags(), access);
        return known;
      });
    } catch (RelpackException e) {
      if (tagging.expired()) {
        throw e;
      }
      reporter.debug("a build of these inputs pushed " + known.digest() + " before, but it"
          + " could not be tagged (" + e.getMessage() + "); building it");
      return Optional.empty();
    }
    reporter.debug("a build of these inputs pushed " + known.digest() + " before, and the"
        + " registry holds it: tagged it, nothing built");
    return Optional.of(known);
  }

  /**
   * Writes the image from one a build of the same shape pushed before ({@link ImageRevision}),
   * when the registry still holds it; empty, and the image is built with jib, when it cannot.
   * A registry that does not answer within the timeout ends the build, as for {@link #tagKnown}.
   */
  private static Optional<ImageResult> revise(BuildPlan plan, Target target,
      ImageResult previous, Map<String, String> reused, Reporter reporter,
      Consumer<RegistryReader.Descriptor> writing) {
    Optional<ImageResult> written = withoutJib(plan, target, reporter, writing,
        (revision, phase, access) -> revision.write(previous, reused, phase, access),
        reason -> "a build of this shape pushed " + previous.digest() + " before, but it could"
            + " not be written again with this build's layers (" + reason + "); building it");
    written.ifPresent(image -> reporter.debug("a build of this shape pushed " + previous.digest()
        + " before: wrote it again with this build's layers as " + image.digest()
        + ", without jib"));
    return written;
  }

  /**
   * Writes the image from the one its layers were taken from ({@code --cache-from}), when that
   * is in the target's repository and the result is exactly what jib would push
   * ({@link ImageRevision#writeFrom}): a CI job with no cache of its own then writes the changed
   * layers, the config and the manifest, and runs no jib. Empty, and the image is built with jib,
   * for any other image, base or outcome.
   */
  private static Optional<ImageResult> reviseTaken(BuildPlan plan, Target target,
      LayerReuse.Outcome reused, Reporter reporter, Consumer<RegistryReader.Descriptor> writing) {
    Optional<ImageReference> into = target.registryImage();
    Optional<ImageReference> from = reused.from();
    if (reused.digest().isEmpty() || into.isEmpty() || from.isEmpty()
        || !sameRepository(from.get(), into.get())) {
      return Optional.empty();
    }
    String taken = from.get() + "@" + reused.digest().get();
    Optional<ImageResult> written = withoutJib(plan, target, reporter, writing,
        (revision, phase, access) -> revision.writeFrom(reused.digest().get(), taken,
            reused.layers(), reused.diffIds(), phase, access),
        reason -> taken + " could not be written again with this build's layers (" + reason
            + "); building it with jib");
    written.ifPresent(image -> reporter.debug("wrote " + taken + " again with this build's"
        + " layers as " + image.digest() + ", without jib: it is this build's image but for"
        + " them"));
    return written;
  }

  private static boolean sameRepository(ImageReference one, ImageReference other) {
    return one.getRegistry().equals(other.getRegistry())
        && one.getRepository().equals(other.getRepository());
  }

  /**
   * A registry phase of its own for the target's registries (the target's and the base's, which
   * may mount blobs into it), limited by the build's timeout.
   */
  private static RegistryDeadline targetPhase(BuildPlan plan) {
    return RegistryDeadline.of(plan.request().timeout(),
        registries(plan.target(), plan.baseSpec()), plan.registries().trust());
  }

  /** What a target needs to write: locks, the build's credentials, reader and reporter. */
  private static TargetAccess targetAccess(BuildPlan plan, Reporter reporter) {
    BuildPlan.Registries registries = plan.registries();
    return new BuildAccess(plan.cacheRoot().resolve("locks"), registries.credentials(),
        registries.reader(), reporter);
  }

  /**
   * How jib's cache entries found intact looked then, and which of its lookups were found true,
   * in this user's private state.
   */
  private static LayerTrust layerTrust(BuildPlan plan) {
    Path state = StateDirectory.of(plan.request().environment(), plan.request().home());
    return new LayerTrust(new TreeSeals(Optional.of(state.resolve("layer-seals"))),
        new LayerClaims(Optional.of(state.resolve("layer-claims"))),
        Optional.of(state.resolve("jib-base")));
  }

  private static byte[] sbomDocument(BuildPlan plan, SbomPlan sbom, String digest) {
    try {
      return plan.request().sbomFormat().write(sbom.of(digest, plan.request().environment()));
    } catch (IOException e) {
      throw new InternalException("cannot read the release again for its SBOM: "
          + e.getMessage(), e);
    }
  }

  /**
   * Attaches the SBOM to the image as an OCI referrer, in a registry phase of its own. The image
   * is complete and tagged by then, and attaching is what every build does unasked: a registry
   * that refuses the referrer (or its list) costs a warning, not the build.
   */
  private static Optional<String> attach(BuildPlan plan, Target target, String digest,
      byte[] document, Reporter reporter) {
    TargetAccess access = targetAccess(plan, reporter);
    String mediaType = plan.request().sbomFormat().mediaType();
    Optional<String> referrer;
    try {
      referrer = targetPhase(plan).run("attaching the SBOM to " + target.reference(digest),
              () -> target.attach(digest, new Attachment(mediaType, mediaType, document), access));
    } catch (RegistryException e) {
      warnNotAttached(target, digest, e, reporter);
      return Optional.empty();
    }
    referrer.ifPresent(r -> reporter.debug("attached the SBOM to " + digest + " as " + r));
    return referrer;
  }

  private static void warnNotAttached(Target target, String digest, RegistryException e,
      Reporter reporter) {
    reporter.warn("built " + target.reference(digest) + " but did not attach its SBOM: "
        + e.getMessage() + " (" + Input.NO_SBOM + " attaches none; " + Input.SBOM
        + " FILE writes it to a file)");
  }

  /**
   * The SBOM's attaching while a registry target's image is written ({@link SbomAhead}): for a
   * build that attaches one, to a target that can attach so.
   */
  private static SbomAhead sbomAhead(BuildPlan plan, Target target, Reporter reporter) {
    boolean attaches = plan.sbom().isPresent() && plan.request().attachSbom()
        && target.registryImage().isPresent();
    return new SbomAhead(target, () -> targetPhase(plan), targetAccess(plan, reporter),
        digest -> sbomDocument(plan, plan.sbom().get(), digest),
        plan.request().sbomFormat().mediaType(), reporter, attaches);
  }

  /**
   * What relpack sees in the release: nothing is built and no registry is asked.
   *
   * @param request the release (or its project); the base and target are not read
   * @param reporter where warnings go
   * @return the release's facts, native code, layers and start command
   */
  public Inspection inspect(BuildRequest request, Reporter reporter) {
    ReleaseLoader.Loaded loaded = ReleaseLoader.load(request, Optional.empty(), reporter::warn);
    String root = new ImageOptions(request.appRoot(), request.user(), List.of(), Map.of(),
        Map.of()).appRoot();
    Release release = loaded.release();
    Map<String, Path> files = new LinkedHashMap<>();
    release.files().stream().filter(f -> !f.directory())
        .forEach(f -> files.put(f.path(), f.source()));
    return new Inspection(release, loaded.plan(), NativeCode.of(files),
        List.of(root + "/" + release.startScript()), List.of(release.startCommand()));
  }

  /**
   * The SBOM of the release a request names, as {@code inspect} shows it: nothing is built, no
   * registry is asked, and so no base is in it.
   *
   * @param request the release (or its project, whose mix.lock names its Hex packages)
   * @param reporter where warnings go
   * @return the release's part of what its image would hold
   */
  public Sbom sbom(BuildRequest request, Reporter reporter) {
    ReleaseLoader.Loaded loaded = ReleaseLoader.load(request, Optional.empty(), reporter::warn);
    String root = new ImageOptions(request.appRoot(), request.user(), List.of(), Map.of(),
        Map.of()).appRoot();
    try {
      return imageContents(loaded, root, request).ofRelease(request.environment(),
          ToolVersion.full());
    } catch (IOException e) {
      throw new InternalException("cannot read the release for its SBOM: " + e.getMessage(), e);
    }
  }

  /**
   * What an image of the release holds, for its SBOM: the release, its applications (Hex
   * packages from the project's mix.lock, read now so a bad one fails before any work) and its
   * native code.
   */
  private static ImageContents imageContents(ReleaseLoader.Loaded loaded, String appRoot,
      BuildRequest request) {
    Map<String, HexPackages.HexPackage> hex = Map.of();
    // the mix project the release was loaded with (a rebar3 project has none)
    Optional<Path> project = loaded.project().map(MixProject::dir);
    if (project.isPresent()) {
      try {
        hex = HexPackages.read(project.get());
      } catch (IOException e) {
        throw new BadInputException(Input.PROJECT_DIR + " " + project.get()
            + ": cannot read its mix.lock (" + e.getMessage() + ")", e);
      }
    }
    // the release's files are in the content store, which knows their SHA-256 already
    ContentStore store = new ContentStore(CacheDirectory.root(request.cacheDir()), warning -> { });
    return new ImageContents(loaded.release(), loaded.plan(), hex, appRoot, store::fileDigest);
  }

  /**
   * The SBOM as far as the plan decides it, when the build writes or attaches one: the image's
   * contents and its base, with what the base's package database says.
   */
  private Optional<SbomPlan> sbomPlan(BuildRequest request, Optional<Target> target,
      ReleaseLoader.Loaded loaded, String appRoot, BaseImage base, BaseSpec baseSpec,
      Path cacheRoot, TlsTrust trust, Reporter reporter) {
    boolean wanted = target.isPresent() && (request.sbomFile().isPresent()
        || (request.attachSbom() && target.get().holdsReferrers()));
    if (!wanted) {
      return Optional.empty();
    }
    ImageContents contents = imageContents(loaded, appRoot, request);
    if (base.source() instanceof BaseImage.ScratchSource) {
      return Optional.of(new SbomPlan(contents, Optional.empty()));
    }
    OsInventory inventory = inventory(request, base, baseSpec, cacheRoot, trust, reporter);
    Optional<String> repository = base.source() instanceof BaseImage.RegistrySource r
        ? Optional.of(r.pinned().getRegistry() + "/" + r.pinned().getRepository())
        : Optional.empty();
    return Optional.of(new SbomPlan(contents,
        Optional.of(new SbomBase(base.name(), base.digest(), repository, inventory))));
  }

  /**
   * What the base's package database says, for the SBOM. An image base's layers are read for it
   * (the check reads the same ones, from the cache, after): not when the check is off and only
   * the attached SBOM would use them, as a build without the check reads no base layer; and a
   * base whose database cannot be read costs a warning, never the build. Either way the SBOM
   * says its packages were not read.
   */
  private OsInventory inventory(BuildRequest request, BaseImage base, BaseSpec baseSpec,
      Path cacheRoot, TlsTrust trust, Reporter reporter) {
    boolean image = base.contents() instanceof BaseImage.LayerContents;
    if (image && !request.check() && request.sbomFile().isEmpty()) {
      return OsInventory.unread("the boot check was off, so the base's layers were not read");
    }
    OsInventory inventory;
    try {
      inventory = RegistryDeadline.of(request.timeout(), registryOf(baseSpec.registryImage()),
              trust)
          .run("reading the package database of the base " + request.from(),
              () -> new BaseCheck(machineRoot, cacheRoot, reporter::warn).inventory(base));
    } catch (RelpackException e) {
      inventory = OsInventory.unread(e.getMessage());
    }
    inventory.unread().ifPresent(why -> reporter.warn("the SBOM lists no OS packages of the base "
        + base.name() + ": " + why));
    return inventory;
  }

  /**
   * Checks every input, reads the release, reaches the registries and pins the base.
   *
   * @param withTarget whether the request names a target to write (a check has none)
   */
  private BuildPlan plan(BuildRequest request, Reporter reporter, boolean withTarget) {
    long started = System.nanoTime();
    // Everything the user typed is checked before any work.
    BaseSpec baseSpec = BaseSpec.parse(request.from());
    cacheFromImages(request);
    ImageOptions options = new ImageOptions(request.appRoot(), request.user(), request.ports(),
        ImageOptions.keyValues(Input.ENV, request.env()),
        ImageOptions.keyValues(Input.LABEL, request.labels()));
    if (request.release().isEmpty() && request.projectDir().isEmpty()) {
      throw new BadInputException(
          "give the release with {release} PATH, or its mix project with {project-dir} DIR");
    }
    if (baseSpec instanceof BaseSpec.Host && !options.user().matches("\\d+(:\\d+)?")) {
      throw new BadInputException("{user} " + options.user() + ": {from} host writes /etc/passwd"
          + " itself and can only name numeric users; give UID:GID");
    }
    // relpack may choose the target itself in a GitLab CI job; its tags wait for the version
    Optional<Target> target = withTarget
        ? Optional.of(writableTarget(request, Optional.empty(), reporter)) : Optional.empty();
    requireWritableCache(request.cacheDir());
    // this build's CAs, for its own connections and its threads' (jib's) only
    TlsTrust trust = TlsTrust.withExtra(caFiles(request));
    RegistryAccess access = new RegistryAccess(request.insecure(), trust);
    Duration timeout = request.timeout();
    Consumer<LogEvent> log = event -> reporter.debug(event.getMessage());
    RegistryCredentials credentials =
        new RegistryCredentials(request.environment(), request.home(), reporter::warn,
            request.logins());
    // Authentication is checked before any work (making, reading or compressing the release):
    // missing, refused or insufficient credentials are told in a second, not after the upload.
    Map<String, RegistryProbe.Transport> checked =
        requirePush(target, access, credentials, reporter, timeout, trust, log);
    // the release tool runs first: it may take minutes, which no registry deadline covers
    ReleaseStep step = request.releaseStep();
    Optional<ReleaseStep.Made> made = Optional.empty();
    if (withTarget && step.run() && request.release().isEmpty()
        && request.projectDir().isPresent()) {
      made = Optional.of(step.make(request.projectDir().get(), request.environment(), reporter));
      reporter.step("Made the release in " + String.format(java.util.Locale.ROOT, "%.1f s",
          made.get().took().toMillis() / 1000.0));
    }
    // Reaching the registries waits on the network and TLS set-up, reading the release on the disk
    // and the CPU: do both at once.
    RegistryDeadline probing = RegistryDeadline.of(timeout, registries(target, baseSpec), trust);
    Future<Map<String, RegistryProbe.Transport>> probed =
        probing.start(() -> probe(target, baseSpec, access, reporter, timeout, checked));
    Path cacheRoot = CacheDirectory.root(request.cacheDir());
    // the base is read twice, ahead and for the check: its manifests and config are fetched once,
    // and its config (named by its digest) once for every build with this cache
    RegistryReader.Memo baseReads =
        new RegistryReader.Memo(Optional.of(cacheRoot.resolve("configs")));
    Optional<BaseWarming> warming = request.check()
        ? BaseWarming.start(baseSpec, probed, new BaseWarming.Reading(access, credentials,
            cacheRoot, new BaseCheck(machineRoot, cacheRoot, reporter::warn), timeout, trust, log,
            baseReads), reporter)
        : Optional.empty();

    ReleaseLoader.Loaded loaded;
    Optional<Target> tagged;
    Map<String, RegistryProbe.Transport> transports;
    try {
      reporter.step("Reading release " + describe(request));
      loaded = ReleaseLoader.load(request, made.flatMap(ReleaseStep.Made::release),
          reporter::warn);
      readyPrediction(request, target);
      Release read = loaded.release();
      tagged = withTarget
          ? Optional.of(writableTarget(request, Optional.of(read.version()), reporter))
          : Optional.empty();
      reporter.step("Release " + read.name() + " " + read.version() + " ("
          + read.kind().label() + ", ERTS " + read.ertsVersion()
          + (read.ertsIncluded() ? "" : ", not included") + "), " + read.files().size()
          + " files in " + loaded.plan().layers().size() + " layers");
      transports = probing.await("checking that it answers on /v2/", probed);
    } catch (RuntimeException e) {
      // neither the probe nor the base's reading may go on for a build that has failed
      probed.cancel(true);
      probing.executor().shutdownNow();
      warming.ifPresent(BaseWarming::cancel);
      throw e;
    }
    Release release = loaded.release();
    warming.ifPresent(BaseWarming::finish);
    boolean insecureNeeded = insecureNeeded(transports, access, target, baseSpec, credentials, log);
    // jib strips credentials from plain-HTTP requests unless told otherwise; they go over plain
    // HTTP only when every registry of the build may use it
    boolean credentialsOverHttp =
        insecureNeeded && transports.keySet().stream().allMatch(access::allowsPlainHttp);
    RegistryReader registry = new RegistryReader(access,
        r -> transports.getOrDefault(r, RegistryProbe.Transport.HTTPS), timeout, ReadLimits.DEFAULT);

    reporter.step("Preparing base " + request.from());
    BaseContext baseContext = new BaseContext(cacheRoot, machineRoot,
        registry.withMemo(baseReads), credentials,
        event -> report(reporter, event), release, options.appRoot(), options.user(),
        request.check(), NativeCode.architecture(release.files().stream()
            .filter(f -> !f.directory()).map(ReleaseFile::source).toList()),
        Optional.of(StateDirectory.of(request.environment(), request.home())));
    BaseImage base = RegistryDeadline.of(timeout, registryOf(baseSpec.registryImage()), trust)
        .run("reading the base " + request.from(), () -> resolve(baseSpec, baseContext));
    ImageSpec spec = ImageDefaults.spec(release, loaded.plan(), base,
        options.withDefaultLabels(projectLabels(loaded.project())),
        request.environment(), base.architecture().orElse(baseContext.architecture()));
    Optional<SbomPlan> sbom = sbomPlan(request, tagged, loaded, options.appRoot(), base,
        baseSpec, cacheRoot, trust, reporter);
    // hashed here only when the key of a registry target's image will use it
    Optional<String> layerFiles = tagged.flatMap(Target::registryImage).isPresent()
        ? KnownImages.layerFiles(spec, ContentStore.unitsUnder(cacheRoot)) : Optional.empty();
    return new BuildPlan(request, release, loaded.plan(), baseSpec, base, spec, sbom,
        options.appRoot(),
        tagged, new BuildPlan.Registries(insecureNeeded, credentialsOverHttp, credentials,
            registry, trust, registry.withMemo(baseReads)), cacheRoot,
        made.map(ReleaseStep.Made::took), started, layerFiles);
  }

  /** Labels the project's own files give: its licenses, from mix.exs's Hex package metadata. */
  private static Map<String, String> projectLabels(Optional<MixProject> project) {
    return project.flatMap(MixProject::licenseExpression)
        .map(l -> Map.of("org.opencontainers.image.licenses", l)).orElse(Map.of());
  }

  /**
   * The target, and the files beside it, checked writable before any work.
   *
   * @param version the release's version, for the default tags; empty before it is read
   */
  private static Target writableTarget(BuildRequest request, Optional<String> version,
      Reporter reporter) {
    GitlabDefaults.Choice choice = GitlabDefaults.choose(request.to(), request.imageName(),
        request.tags(), request.environment(), version);
    Target target = choice.target();
    if (version.isPresent()) {
      choice.warnings().forEach(reporter::warn);
      return target;
    }
    target.checkWritable();
    request.digestFile().ifPresent(f -> requireParent(f, "{digest-file}"));
    request.metadataFile().ifPresent(f -> requireParent(f, "{metadata}"));
    request.dotenvFile().ifPresent(f -> requireParent(f, "{dotenv}"));
    request.sbomFile().ifPresent(f -> requireParent(f, "{sbom}"));
    return target;
  }

  private static void requireFits(Verdict verdict, Reporter reporter) {
    verdict.warnings().forEach(w -> reporter.warn(w.message()));
    if (!verdict.fits()) {
      int count = verdict.problems().size();
      throw new CheckFailedException("the release will not run on " + verdict.base() + " ("
          + count + (count == 1 ? " problem" : " problems") + ")",
          verdict.problems().stream().map(Problem::message).toList(), !verdict.host());
    }
  }

  /** Warnings and errors as warnings; the rest only with -v. */
  private static void report(Reporter reporter, LogEvent event) {
    if (event.getLevel() == LogEvent.Level.WARN || event.getLevel() == LogEvent.Level.ERROR) {
      reporter.warn(event.getMessage());
    } else {
      reporter.debug(event.getMessage());
    }
  }

  /**
   * Checks every registry involved answers, before anything is built; says how.
   *
   * @param known registries already probed, and how they answered
   */
  private static Map<String, RegistryProbe.Transport> probe(Optional<Target> target, BaseSpec base,
      RegistryAccess access, Reporter reporter, Duration timeout,
      Map<String, RegistryProbe.Transport> known) {
    Map<String, RegistryProbe.Transport> transports = new LinkedHashMap<>();
    for (String registry : registries(target, base)) {
      transports.put(registry, known.containsKey(registry) ? known.get(registry)
          : probe(registry, access, reporter, timeout));
    }
    return transports;
  }

  private static RegistryProbe.Transport probe(String registry, RegistryAccess access,
      Reporter reporter, Duration timeout) {
    return answer(registry, access, reporter, timeout).transport();
  }

  /** How the registry answered its probe, as {@link #probe}. */
  private static RegistryProbe.Answer answer(String registry, RegistryAccess access,
      Reporter reporter, Duration timeout) {
    RegistryProbe probe = new RegistryProbe(access,
        timeout.compareTo(PROBE_TIMEOUT) < 0 ? timeout : PROBE_TIMEOUT, Duration.ofMillis(500));
    RegistryProbe.Answer answer = probe.answer(registry);
    RegistryProbe.Transport transport = answer.transport();
    if (transport != RegistryProbe.Transport.HTTPS) {
      String how = transport == RegistryProbe.Transport.HTTP ? "plain HTTP" : "unverified TLS";
      if (RegistryHosts.isLoopback(registry)) {
        reporter.debug("registry " + registry + " is on loopback: using " + how);
      } else {
        reporter.warn("registry " + registry + " is used over " + how + " ({insecure})");
      }
    }
    return answer;
  }

  /**
   * When the target is a registry: probes it and asks it for what a push there needs (a token
   * with push for the repository, or accepted Basic credentials), as jib will later.
   *
   * @return how the target's registry answers, so it is not probed again; empty for other
   *     targets
   * @throws BadInputException when credentials are missing, refused or not allowed to push there
   */
  private static Map<String, RegistryProbe.Transport> requirePush(Optional<Target> target,
      RegistryAccess access, RegistryCredentials credentials, Reporter reporter, Duration timeout,
      TlsTrust trust, Consumer<LogEvent> log) {
    Optional<ImageReference> image = target.flatMap(Target::registryImage);
    if (image.isEmpty()) {
      return Map.of();
    }
    String registry = image.get().getRegistry();
    return RegistryDeadline.of(timeout, List.of(registry), trust)
        .run("checking that it may push to " + image.get().getRepository(), () -> {
          RegistryProbe.Answer answer = answer(registry, access, reporter, timeout);
          Optional<PushAccess.Login> login = credentials.sourced(image.get(), log)
              .map(found -> new PushAccess.Login(found.credential(), found.source()));
          // the probe's GET /v2/ is the push check's first question: not asked twice
          reporter.debug(new PushAccess(access, answer.transport(), timeout).require(registry,
              image.get().getRepository(), login, credentials.lookedIn(registry),
              Optional.of(answer)));
          return Map.of(registry, answer.transport());
        });
  }

  /**
   * Whether jib must be allowed insecure connections. jib has one HTTP client per build, so
   * allowing them for one registry allows them for all: a registry that answered over verified
   * TLS and has credentials must then not share the build with an insecure one, unless the user
   * said --insecure.
   */
  private static boolean insecureNeeded(Map<String, RegistryProbe.Transport> transports,
      RegistryAccess access, Optional<Target> target, BaseSpec base, RegistryCredentials credentials,
      Consumer<LogEvent> log) {
    boolean insecure = transports.values().stream().anyMatch(t -> t != RegistryProbe.Transport.HTTPS);
    if (!insecure) {
      return false;
    }
    if (!access.insecure()) {
      for (Map.Entry<String, RegistryProbe.Transport> entry : transports.entrySet()) {
        if (entry.getValue() == RegistryProbe.Transport.HTTPS
            && credentials.credential(imageOn(entry.getKey(), target, base), log).isPresent()) {
          throw new BadInputException("registry " + entry.getKey() + " has credentials and "
              + "verified TLS, but shares this build with a registry used without TLS; jib would "
              + "allow both without it. Pass {insecure} to accept that, or use one kind of registry");
        }
      }
    }
    return true;
  }

  private static BaseImage resolve(BaseSpec spec, BaseContext context) {
    try {
      return spec.resolve(context);
    } catch (IOException e) {
      throw new InternalException("cannot prepare the base image: " + e.getMessage(), e);
    }
  }

  /**
   * Takes the layers the cache lacks from an earlier image, where they are the same, in a phase
   * of its own: an earlier image is only ever a saving, so a registry too slow to give it in
   * {@link #REUSE_TIME} costs the build that long and no more, and never fails it.
   */
  private static LayerReuse.Outcome reuse(BuildPlan plan, List<LayerReuse.Source> sources,
      Reporter reporter) {
    if (sources.isEmpty()) {
      return LayerReuse.Outcome.none();
    }
    BuildPlan.Registries registries = plan.registries();
    Duration budget = plan.request().timeout().compareTo(REUSE_TIME) < 0
        ? plan.request().timeout() : REUSE_TIME;
    RegistryDeadline phase = RegistryDeadline.of(budget, sources.stream()
        .map(s -> s.image().getRegistry()).distinct().toList(), registries.trust());
    LayerReuse reuse = new LayerReuse(plan.cacheRoot(), ToolVersion.line(),
        registries.reader().withTimeout(budget), registries.credentials(), reporter,
        phase.executor(), () -> !phase.expired());
    LayerReuse.Outcome outcome;
    try {
      outcome = phase.run("taking layers from an earlier image",
          () -> reuse.reuse(plan.spec(), sources));
    } catch (RegistryException e) {
      String message = Input.CACHE_FROM + ": no layers taken, the registry did not give them"
          + " within " + budget.toSeconds() + " s; compressing them instead";
      if (sources.stream().anyMatch(LayerReuse.Source::named)) {
        reporter.warn(message);
      } else {
        reporter.debug(message);
      }
      return LayerReuse.Outcome.none();
    }
    outcome.from().filter(from -> !outcome.layers().isEmpty()).ifPresent(from -> reporter.step(
        "Took " + String.join(", ", outcome.layers().keySet()) + " from " + from + " ("
            + String.format(Locale.ROOT, "%.1f MB", outcome.fetchedBytes() / 1e6)
            + " fetched instead of compressed)"));
    return outcome;
  }

  /**
   * The images to take unchanged layers from: those the request names, else a GitLab CI job's
   * defaults for its target.
   */
  private static List<LayerReuse.Source> cacheSources(BuildRequest request, Target target) {
    List<ImageReference> named = cacheFromImages(request);
    if (!named.isEmpty()) {
      return named.stream().map(image -> new LayerReuse.Source(image, true)).toList();
    }
    if (!request.cacheFromDefaults()) {
      return List.of();
    }
    return GitlabDefaults.cacheFrom(target, request.environment()).stream()
        .map(Engine::parseImage).flatMap(Optional::stream)
        .map(image -> new LayerReuse.Source(image, false)).toList();
  }

  /** The images the request names to take layers from, each checked to be a registry image. */
  private static List<ImageReference> cacheFromImages(BuildRequest request) {
    if (!request.cacheFrom().isEmpty() && !request.cacheFromDefaults()) {
      throw new BadInputException("give " + Input.CACHE_FROM + " or " + Input.NO_CACHE_FROM
          + ", not both");
    }
    List<ImageReference> images = new ArrayList<>();
    for (String text : request.cacheFrom()) {
      if (text.startsWith("oci:") || text.startsWith("tar:")) {
        throw new BadInputException(Input.CACHE_FROM + " " + Printable.of(text) + ": layers are taken only"
            + " from a registry image (registry.example.com/group/app:main)");
      }
      images.add(parseImage(text).orElseThrow(() -> new BadInputException(Input.CACHE_FROM
          + " " + Printable.of(text) + " is not an image reference (e.g."
          + " registry.example.com/group/app:main, lower-case)")));
    }
    return images;
  }

  private static Optional<ImageReference> parseImage(String text) {
    try {
      return text.isEmpty() ? Optional.empty() : Optional.of(ImageReference.parse(text));
    } catch (com.google.cloud.tools.jib.api.InvalidImageReferenceException e) {
      return Optional.empty();
    }
  }

  /** The registry images of the build: the target's, then the base's. */
  private static List<ImageReference> registryImages(Optional<Target> target, BaseSpec base) {
    List<ImageReference> images = new ArrayList<>();
    target.flatMap(Target::registryImage).ifPresent(images::add);
    base.registryImage().ifPresent(images::add);
    return images;
  }

  private static List<String> registryOf(Optional<ImageReference> image) {
    return image.map(ImageReference::getRegistry).stream().toList();
  }

  private static List<String> registries(Optional<Target> target, BaseSpec base) {
    return registryImages(target, base).stream().map(ImageReference::getRegistry).distinct().toList();
  }

  /** The image of the build that lives on {@code registry}, for looking up its credentials. */
  private static ImageReference imageOn(String registry, Optional<Target> target, BaseSpec base) {
    return registryImages(target, base).stream().filter(i -> i.getRegistry().equals(registry))
        .findFirst().orElseThrow();
  }

  private static List<Path> caFiles(BuildRequest request) {
    List<Path> files = new ArrayList<>(request.registryCas());
    Optional.ofNullable(request.environment().get("CI_SERVER_TLS_CA_FILE"))
        .filter(s -> !s.isBlank()).map(Path::of).ifPresent(files::add);
    return files;
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
    WritableDirectory.problem(parent, false).ifPresent(problem -> {
      throw new BadInputException(option + " " + file + ": cannot write in " + parent + " ("
          + problem + ")");
    });
  }

  /** The cache must be writable before any work: it holds the release while it is read. */
  private static void requireWritableCache(Path cacheDir) {
    WritableDirectory.problem(cacheDir, true).ifPresent(problem -> {
      throw new BadInputException("the cache directory " + cacheDir + " cannot be written ("
          + problem + "); name one you can write with {cache-dir}");
    });
  }
}
