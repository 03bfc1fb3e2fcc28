package dev.relpack.image;

import dev.relpack.publish.Target;
import dev.relpack.publish.RegistryTarget;
import dev.relpack.publish.TargetSession;
import dev.relpack.format.CorruptBlobException;
import dev.relpack.publish.BuildListener;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseImage;
import dev.relpack.error.InternalException;
import dev.relpack.error.RegistryException;
import dev.relpack.error.RelpackException;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Builds an {@link ImageSpec} into a {@link Target} with jib-core. Registry images and OCI layouts
 * use OCI manifests, so a layout holds exactly what a push would; {@code tar:} is Docker's format,
 * for {@code docker load}. Archives and layouts are written beside their destination and moved into
 * place only when complete.
 */
public final class JibImageBuilder {
  private static final Instant FILE_TIME = Instant.ofEpochSecond(1);
  private static final int ATTEMPTS = 3;
  /** What history entries name as the tool (with the version line) and as their author. */
  static final String TOOL_NAME = "relpack";

  /** {@link #applicationCache(Path)} inside the cache root; a constant the launcher can read. */
  public static final String APPLICATION_CACHE = "jib/application-level1";

  private final Settings settings;
  private final ImageListener listener;

  /**
   * @param cacheRoot where jib keeps compressed layers and base image data
   * @param toolVersion what history entries record as the tool version (a release line, so
   *     patch releases do not change digests)
   * @param allowInsecure jib may fall back to unverified TLS and plain HTTP
   * @param credentialsOverHttp jib may send credentials over plain HTTP (else it strips them)
   * @param firstRetryDelay wait before retrying a build the registry refused with 429 or 5xx
   * @param phase the registry phase the build runs in: jib runs on its threads, and nothing is
   *     put in place once it has expired
   * @param layerTrust how cached layers found intact looked then, so that an unchanged one is
   *     not hashed again before a push, and which of jib's cache lookups were found true (in this
   *     user's private state)
   */
  public record Settings(Path cacheRoot, String toolVersion, boolean allowInsecure,
      boolean credentialsOverHttp, RegistryCredentials credentials, RegistryReader registry, Duration firstRetryDelay,
      RegistryDeadline phase, LayerTrust layerTrust) {}

  public JibImageBuilder(Settings settings, ImageListener listener) {
    this.settings = settings;
    this.listener = listener;
  }

  public ImageResult build(ImageSpec spec, Target target) {
    return build(spec, target, Map.of());
  }

  /**
   * @param reused the layers put in jib's cache from an earlier image: their blob digests by
   *     name, reported as reused and not hashed again
   */
  public ImageResult build(ImageSpec spec, Target target, Map<String, String> reused) {
    target.checkWritable();
    BaseCacheView baseView;
    try {
      baseView = BaseCacheView.of(baseCache(), settings.layerTrust().baseViews());
    } catch (java.io.IOException e) {
      throw new InternalException("cannot use the cache " + settings.cacheRoot() + ": "
          + e.getMessage(), e);
    }
    try (baseView) {
      return build(spec, target, reused, baseView.dir());
    }
  }

  /** @param jibBase the base cache jib is given ({@link BaseCacheView}) */
  private ImageResult build(ImageSpec spec, Target target, Map<String, String> reused,
      Path jibBase) {
    Duration delay = settings.firstRetryDelay();
    LayerCache cache = new LayerCache(applicationCache(), baseCache(),
        settings.cacheRoot().resolve("tmp"), settings.layerTrust(), listener);
    Set<String> evicted = new HashSet<>();
    Map<String, Long> contentBytes = new HashMap<>();
    spec.layers().forEach(layer -> contentBytes.put(layer.name(), layer.contentBytes()));
    boolean mountable = spec.base().source() instanceof BaseImage.RegistrySource registry
        && target.registryImage().map(image -> image.getRegistry().equals(
            registry.pinned().getRegistry())).orElse(false);
    boolean hostBase = spec.base().contents() instanceof BaseImage.MachineContents;
    if (target instanceof RegistryTarget
        || spec.base().source() instanceof BaseImage.RegistrySource) {
      TlsAhead.start(); // jib will speak to a registry
    }
    for (int attempt = 1; ; attempt++) {
      JibEvents events = new JibEvents(listener, contentBytes, mountable, hostBase,
          reused.keySet());
      boolean succeeded = false;
      try {
        ImageResult result = attempt(spec, target, events, cache, reused, jibBase);
        succeeded = true;
        return result;
      } catch (CorruptBlobException e) {
        // a cache entry jib reused without the check before the build: remove it, build again
        if (!evicted.add(e.digest()) || !evictIfCorrupt(cache, e.digest())) {
          throw new InternalException("building " + target.display() + " failed: "
              + e.getMessage() + ", and no cache entry holds it to remove", e);
        }
        attempt--;
      } catch (Exception e) {
        JibErrors.outOfMemory(e).ifPresent(memory -> {
          // only what a registry sent can be this large; the registry phase says so
          throw memory;
        });
        Optional<String> rejected = JibErrors.rejectedBlob(e);
        if (rejected.isPresent() && evicted.add(rejected.get())) {
          // the registry refused a blob as not matching its digest: if a cache entry is to blame
          // it is removed; either way the blob is pushed once more
          if (!evictIfCorrupt(cache, rejected.get())) {
            listener.warn("the registry refused blob " + rejected.get() + " as not matching its"
                + " digest, though the cache holds it intact; pushing it again");
          }
          attempt--;
          continue;
        }
        if (attempt == ATTEMPTS || !JibErrors.isTransient(e)) {
          throw e instanceof RelpackException r ? r : JibErrors.translate(e, target.display(), spec.base().name());
        }
        listener.warn(JibErrors.translate(e, target.display(), spec.base().name()).getMessage()
            + "; trying again in " + delay.toSeconds() + " s");
        pause(delay);
        delay = delay.multipliedBy(2);
      } finally {
        if (succeeded) {
          events.succeeded();
        } else {
          events.failed();
        }
      }
    }
  }

  /**
   * relpack's layers the cache lacks (after the check before the build removed any it should
   * not take), compressed into it before jib runs ({@link LayerBlobs#compressMissing}): jib
   * never compresses relpack's layers, which it would at another level.
   *
   * @return the digests of the layers compressed, by name
   */
  private Map<String, String> compressAhead(ImageSpec spec) {
    try {
      return LayerBlobs.compressMissing(spec, settings.cacheRoot(), settings.layerTrust(),
          listener);
    } catch (java.io.IOException e) {
      throw new InternalException("cannot compress the layers into the cache "
          + applicationCache() + ": " + e.getMessage(), e);
    }
  }

  /** @param reused the layers this build put in the cache, checked: not hashed again */
  private ImageResult attempt(ImageSpec spec, Target target, JibEvents events, LayerCache cache,
      Map<String, String> reused, Path jibBase) throws Exception {
    JibContainerBuilder jib = from(spec.base()).setFormat(target.format());
    jib.setPlatforms(Set.of(new Platform(spec.architecture(), "linux")));
    List<FileEntriesLayer> layers = spec.layers().stream().map(JibImageBuilder::fileEntries).toList();
    layers.forEach(jib::addFileEntriesLayer);
    Optional<Path> archiveBase = spec.base().source() instanceof BaseImage.ArchiveSource archive
        ? Optional.of(archive.tar()) : Optional.empty();
    if (target instanceof RegistryTarget) {
      // oci: and tar: targets check every blob as they write it; a push has no such place
      events.cached(cache.check(layers, archiveBase, reused));
    } else {
      cache.claimed(layers, reused); // no blob's digest says which files it was made of
      cache.checkArchiveBase(archiveBase); // nor which layer a diff ID names
    }
    events.compressed(compressAhead(spec));
    jib.setEntrypoint(spec.entrypoint())
        .setProgramArguments(spec.cmd())
        .setEnvironment(spec.environment())
        .setExposedPorts(ports(spec.ports()))
        .setLabels(spec.labels())
        .setUser(spec.user())
        .setWorkingDirectory(AbsoluteUnixPath.get(spec.workingDirectory()))
        .setCreationTime(spec.created());
    TargetSession.Written written;
    // taken as late as can be: the turn is the JVM's, and ends at jib's first timer event
    try (CredentialsOverHttpTurn turn =
        CredentialsOverHttpTurn.take(settings.credentialsOverHttp())) {
      written = target.write(jib, new Session(target, spec, events, turn, jibBase));
    }
    cache.claimBuilt(layers, events.builtDigests());
    return result(written, target, spec, events);
  }

  /** The build's side of a target's write: settings, staging, credentials, output. */
  private final class Session implements TargetSession {
    private final Target target;
    private final ImageSpec spec;
    private final JibEvents events;
    private final CredentialsOverHttpTurn turn;
    private final Path jibBase;

    Session(Target target, ImageSpec spec, JibEvents events, CredentialsOverHttpTurn turn,
        Path jibBase) {
      this.target = target;
      this.spec = spec;
      this.events = events;
      this.turn = turn;
      this.jibBase = jibBase;
    }

    @Override
    public Containerizer configure(Containerizer containerizer) {
      for (String tag : target.tags().subList(1, target.tags().size())) {
        containerizer.withAdditionalTag(tag);
      }
      return containerizer
          .setToolName(TOOL_NAME)
          .setToolVersion(settings.toolVersion())
          .setApplicationLayersCache(applicationCache())
          .setBaseImageLayersCache(jibBase)
          .setAllowInsecureRegistries(settings.allowInsecure())
          .setExecutorService(settings.phase().executor())
          // jib reads the property while it makes its build context, which may log a warning
          // first; the timer it starts right after the context is made is the sure sign
          .addEventHandler(TimerEvent.class, e -> turn.close())
          // jib's threads may go on after the phase expired; what they say then is no news
          .addEventHandler(LogEvent.class, e -> whileWanted(() -> events.onLog(e)))
          .addEventHandler(ProgressEvent.class, e -> whileWanted(() -> events.onProgress(e)))
          .addEventHandler(TimerEvent.class, e -> whileWanted(() -> events.onTimer(e)));
    }

    private void whileWanted(Runnable handler) {
      if (!settings.phase().expired()) {
        handler.run();
      }
    }

    @Override
    public Path staging() {
      return settings.cacheRoot().resolve("tmp");
    }

    @Override
    public Path locks() {
      return settings.cacheRoot().resolve("locks");
    }

    @Override
    public String imageName() {
      return spec.name();
    }

    @Override
    public int addedLayers() {
      return spec.layers().size();
    }

    @Override
    public java.util.Map<String, String> annotations() {
      return spec.annotations();
    }

    @Override
    public RegistryCredentials credentials() {
      return settings.credentials();
    }

    @Override
    public RegistryReader registry() {
      return settings.registry();
    }

    @Override
    public BuildListener listener() {
      return listener;
    }

    @Override
    public void requireManifestStored(JibContainer container) {
      events.manifestDigestMismatch().ifPresent(received -> {
        throw new RegistryException("the registry of " + target.display() + " answered the"
            + " manifest push with digest " + received + ", not " + container.getDigest()
            + ", the digest of the manifest relpack pushed; it did not store what was sent", null);
      });
    }

    @Override
    public void requireWanted() {
      if (settings.phase().expired()) {
        throw new InternalException("the build of " + target.display() + " was given up; not"
            + " writing it", null);
      }
    }
  }

  private Path applicationCache() {
    return applicationCache(settings.cacheRoot());
  }

  /**
   * jib's cache of relpack's layers, in the build's cache directory. Not jib's usual name: the
   * blobs there were compressed at jib's level before relpack compressed its layers itself
   * ({@link LayerGzip}), and an image must not take one of those under this build's digest.
   */
  public static Path applicationCache(Path cacheRoot) {
    return cacheRoot.resolve(APPLICATION_CACHE);
  }

  private Path baseCache() {
    return baseCache(settings.cacheRoot());
  }

  /** jib's cache of base layers, in the build's cache directory. */
  static Path baseCache(Path cacheRoot) {
    return cacheRoot.resolve("jib/base");
  }

  private static boolean evictIfCorrupt(LayerCache cache, String digest) {
    try {
      return cache.evictIfCorrupt(digest);
    } catch (java.io.IOException e) {
      throw new InternalException("cannot remove a corrupt entry from the cache: " + e.getMessage(), e);
    }
  }

  /**
   * Names the written layers: the base's first, then relpack's, built or taken from cache; says
   * what became of each at the target. A registry's layers were reported as their pushes ended;
   * a file's are reported here, as it is written whole.
   */
  private ImageResult result(TargetSession.Written written, Target target, ImageSpec spec,
      JibEvents events) {
    List<TargetSession.Blob> layers = written.layers();
    int baseCount = Math.max(0, layers.size() - spec.layers().size());
    boolean registry = target instanceof RegistryTarget;
    List<LayerResult> results = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      TargetSession.Blob blob = layers.get(i);
      LayerResult.Delivery delivery =
          registry ? events.delivery(blob.digest()) : LayerResult.Delivery.WRITTEN;
      if (i < baseCount) {
        results.add(new LayerResult(baseCount == 1 ? "base" : "base-" + (i + 1), blob.digest(),
            blob.size(), LayerResult.Origin.BASE, OptionalLong.empty(), delivery));
      } else {
        ImageLayer layer = spec.layers().get(i - baseCount);
        results.add(new LayerResult(layer.name(), blob.digest(), blob.size(),
            events.origin(layer.name()),
            OptionalLong.of(layer.contentBytes()), delivery));
      }
    }
    if (!registry) {
      results.forEach(listener::layerDone);
    }
    return new ImageResult(written.digest(), written.imageId(), target.tags(), results, events.uploadedBytes(), events.uploadedBlobs());
  }

  private JibContainerBuilder from(BaseImage base) {
    BaseImage.Source source = base.source();
    if (source instanceof BaseImage.RegistrySource registry) {
      RegistryImage image = RegistryImage.named(registry.pinned());
      image.addCredentialRetriever(
          settings.credentials().retriever(registry.pinned(), e -> listener.debug(e.getMessage())));
      return Jib.from(image);
    }
    if (source instanceof BaseImage.ArchiveSource archive) {
      return Jib.from(TarImage.at(archive.tar()));
    }
    return Jib.fromScratch();
  }

  static FileEntriesLayer fileEntries(ImageLayer layer) {
    FileEntriesLayer.Builder builder = FileEntriesLayer.builder().setName(layer.name());
    // a layer has a mode or two: jib checks each against a pattern String.matches compiles anew
    Map<String, FilePermissions> modes = new HashMap<>();
    for (LayerEntry entry : layer.entries()) {
      builder.addEntry(new FileEntry(entry.source(), AbsoluteUnixPath.get(entry.target()),
          modes.computeIfAbsent(entry.octalMode(), FilePermissions::fromOctalString),
          FILE_TIME));
    }
    return builder.build();
  }

  static Set<Port> ports(List<String> ports) {
    Set<Port> result = new java.util.LinkedHashSet<>();
    for (String port : ports) {
      String[] parts = port.split("/");
      result.add(Port.parseProtocol(Integer.parseInt(parts[0]), parts[1]));
    }
    return result;
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalException("interrupted", e);
    }
  }
}
