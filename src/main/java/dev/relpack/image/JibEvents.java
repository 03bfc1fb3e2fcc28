package dev.relpack.image;

import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Listens to jib's events (which arrive from several threads) and keeps what its result does not
 * say: which layers were built rather than taken from the cache, and which blobs were uploaded,
 * mounted or found in the registry; tells the listener of each layer as its push ends, and words
 * jib's progress tasks by layer name. The event texts are jib-core 0.28.1's (read from its
 * PushBlobStep, ObtainBaseImageLayerStep, RegistryClient#pushBlob and
 * BuildAndCacheApplicationLayerStep); tests pin them.
 */
final class JibEvents {
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[;\\d]*m");
  private static final Pattern BUILT = Pattern.compile("Building (\\S+) layer built (sha256:\\w+)");
  private static final String PUSHING = "pushing blob ";
  private static final String UPLOADING = "pushBlob PATCH ";
  /** PushBlobStep's timer, named by the blob's descriptor; it ends when the push does. */
  private static final Pattern PUSH_TIMER =
      Pattern.compile("^Pushing BLOB digest: (sha256:\\w+), size: (\\d+)$");
  /** PushBlobStep (any blob) and ObtainBaseImageLayerStep (a base's layer): nothing is sent. */
  private static final Pattern ALREADY_THERE = Pattern.compile("^Skipping (?:push|pull); BLOB"
      + " already exists on target registry : digest: (sha256:\\w+), size: (\\d+)$");
  /** PushContainerConfigurationStep's task, the parent of the config blob's push. */
  private static final String CONFIG_TASK = "pushing container configuration";
  private static final Pattern TASK_WITH_DIGEST = Pattern.compile(
      "^(pushing blob|pulling base image layer|checking base image layer) (sha256:\\w+)$");
  private static final Pattern BUILDING_TASK = Pattern.compile("^building (\\S+) layer$");
  /** jib's ManifestPusher warns, and goes on, when the registry names another digest. */
  private static final Pattern OTHER_DIGEST =
      Pattern.compile("^Expected image digest (sha256:\\w+), but received(?:: (.*)| none)$");

  private final ImageListener listener;
  private final Map<String, Long> contentBytes;
  private final boolean mountable;
  private final boolean hostBase;
  private final Set<String> builtLayers = ConcurrentHashMap.newKeySet();
  /** What jib logged as each layer it built: its name, and the digest it gave. */
  private final Map<String, String> builtDigests = new ConcurrentHashMap<>();
  private final Set<String> reused;
  /** relpack's layers this build compressed into the cache before jib ran, by name. */
  private final Set<String> compressed = ConcurrentHashMap.newKeySet();
  private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> blobSizes = new ConcurrentHashMap<>();
  /** relpack's layers by blob digest: built ones as jib says so, cached ones from the cache check. */
  private final Map<String, String> layerNames = new ConcurrentHashMap<>();
  private final Set<String> configs = ConcurrentHashMap.newKeySet();
  private final Map<String, LayerResult.Delivery> deliveries = new ConcurrentHashMap<>();
  private final AtomicReference<String> otherManifestDigest = new AtomicReference<>();
  /** Overall progress: each event's units times its allocation's share of the whole build. */
  private final DoubleAdder progress = new DoubleAdder();
  /**
   * jib's warnings, held until the attempt ends: when it fails, jib's other threads warn about
   * the requests it cancelled ("Socket closed"), after or even before the failure reaches relpack,
   * and relpack's one error line says what went wrong. They are shown only when the attempt
   * succeeds, and with -v.
   */
  private final List<String> warnings = new ArrayList<>();
  private boolean ended;

  /**
   * @param contentBytes relpack's layers by name: the bytes of their files
   * @param mountable whether jib may mount blobs from the base's repository (same registry)
   * @param hostBase whether the base is the machine's ({@code host}): no "base image" to speak of
   */
  JibEvents(ImageListener listener, Map<String, Long> contentBytes, boolean mountable,
      boolean hostBase) {
    this(listener, contentBytes, mountable, hostBase, Set.of());
  }

  /** @param reused relpack's layers taken from an earlier image into the cache, by name */
  JibEvents(ImageListener listener, Map<String, Long> contentBytes, boolean mountable,
      boolean hostBase, Set<String> reused) {
    this.reused = Set.copyOf(reused);
    this.listener = listener;
    this.contentBytes = Map.copyOf(contentBytes);
    this.mountable = mountable;
    this.hostBase = hostBase;
  }

  /** Layers the cache holds, by digest, as jib will take them: so their pushes can be named. */
  void cached(Map<String, String> namesByDigest) {
    layerNames.putAll(namesByDigest);
  }

  /** Layers relpack compressed into the cache for jib to take, their digests by name. */
  void compressed(Map<String, String> digestsByName) {
    digestsByName.forEach((name, digest) -> layerNames.put(digest, name));
    compressed.addAll(digestsByName.keySet());
  }

  /** The attempt succeeded: say what jib warned about; anything later is dropped. */
  synchronized void succeeded() {
    ended = true;
    warnings.forEach(listener::warn);
  }

  /** The attempt failed: its error says why; jib's warnings only with -v, later ones dropped. */
  synchronized void failed() {
    ended = true;
    warnings.forEach(listener::debug);
  }

  private synchronized void warn(String message) {
    if (!ended) {
      warnings.add(message);
    }
  }

  void onLog(LogEvent event) {
    if (event.getMessage().startsWith("\t") || event.getMessage().startsWith("Containerizing application")) {
      return; // jib lists every source file; relpack's are content-store paths, no help to anyone
    }
    String message = ANSI.matcher(event.getMessage()).replaceAll("").trim();
    boolean failover = message.startsWith("Cannot verify server at")
        || message.contains("Attempting again with HTTP");
    // jib logs a failed request (its URL, exception class and message, one event each) just
    // before it throws; the build then fails with one line of relpack's that says it, or, when a
    // sibling request failed first, these are only the cancelled others
    boolean thrownAfter = message.startsWith("I/O error for image [")
        || event.getMessage().startsWith("    ") || message.endsWith("failed and will NOT be retried");
    Matcher otherDigest = OTHER_DIGEST.matcher(message);
    if (otherDigest.matches()) {
      // the build fails on it (TargetSession#requireManifestStored): an error, not a warning
      otherManifestDigest.set(otherDigest.group(2) == null ? "none"
          : printable(otherDigest.group(2)));
      listener.debug(message);
      return;
    }
    switch (event.getLevel()) {
      // jib warns at every insecure fallback; relpack only allows one where the user (or a
      // loopback address) allowed it, and says so once itself
      case ERROR, WARN -> {
        if (failover || thrownAfter) {
          listener.debug(message);
        } else {
          warn(message);
        }
      }
      default -> listener.debug(message);
    }
    Matcher built = BUILT.matcher(message);
    if (built.find()) {
      builtLayers.add(built.group(1));
      builtDigests.put(built.group(1), built.group(2));
      layerNames.put(built.group(2), built.group(1));
    }
    Matcher there = ALREADY_THERE.matcher(message);
    if (there.matches()) {
      done(there.group(1), Long.parseLong(there.group(2)), LayerResult.Delivery.PRESENT);
    }
  }

  void onProgress(ProgressEvent event) {
    String description = event.getAllocation().getDescription();
    if (description.startsWith(PUSHING)) {
      String digest = description.substring(PUSHING.length());
      blobSizes.put(digest, event.getAllocation().getAllocationUnits());
      // a blob's task is made (and reported, with 0 units) before its push starts
      if (event.getAllocation().getParent().map(p -> p.getDescription().equals(CONFIG_TASK))
          .orElse(false)) {
        configs.add(digest);
      }
    }
    // jib's own ProgressEventHandler only reports when a task starts or ends; count every event
    progress.add(event.getUnits() * event.getAllocation().getFractionOfRoot());
    listener.progress(Math.min(1, progress.sum()), task(description));
  }

  void onTimer(TimerEvent event) {
    String description = event.getDescription();
    if (event.getState() == TimerEvent.State.LAP && description.startsWith(UPLOADING)) {
      uploaded.add(description.substring(UPLOADING.length()));
    }
    Matcher push = PUSH_TIMER.matcher(description);
    if (event.getState() == TimerEvent.State.FINISHED && push.matches()) {
      String digest = push.group(1);
      if (uploaded.contains(digest)) {
        done(digest, Long.parseLong(push.group(2)), LayerResult.Delivery.PUSHED);
      } else if (mountable && !deliveries.containsKey(digest)) {
        // neither found nor uploaded: the registry mounted it, or the push failed (and the build
        // fails with it); jib only tries a mount when the base is in the target's registry
        done(digest, Long.parseLong(push.group(2)), LayerResult.Delivery.MOUNTED);
      }
    }
  }

  /** A blob is at the target: said once, for a layer (not the config), while the attempt runs. */
  private void done(String digest, long size, LayerResult.Delivery delivery) {
    if (deliveries.putIfAbsent(digest, delivery) != null || configs.contains(digest)) {
      return;
    }
    LayerResult layer = layer(digest, size, delivery);
    synchronized (this) {
      if (!ended) {
        listener.layerDone(layer);
      }
    }
  }

  /** One of relpack's layers by its name, else a layer of the base. */
  LayerResult layer(String digest, long size, LayerResult.Delivery delivery) {
    String name = layerNames.get(digest);
    if (name == null) {
      return new LayerResult("base", digest, size, LayerResult.Origin.BASE, OptionalLong.empty(),
          delivery);
    }
    Long bytes = contentBytes.get(name);
    return new LayerResult(name, digest, size,
        origin(name),
        bytes == null ? OptionalLong.empty() : OptionalLong.of(bytes), delivery);
  }

  /** What became of a blob at a registry: the manifest is in, so unless sent, it was there. */
  LayerResult.Delivery delivery(String digest) {
    return deliveries.getOrDefault(digest, LayerResult.Delivery.PRESENT);
  }

  /**
   * jib's task in relpack's words: layers by name, the base's by its digest, and no "base image"
   * for the host base (relpack made that one from the machine's files).
   */
  String task(String description) {
    Matcher withDigest = TASK_WITH_DIGEST.matcher(description);
    if (withDigest.matches()) {
      String digest = withDigest.group(2);
      String verb = withDigest.group(1).substring(0, withDigest.group(1).indexOf(' '));
      String name = layerNames.get(digest);
      return verb + " " + (name != null ? name : configs.contains(digest) ? "the image config"
          : "base layer " + shortDigest(digest));
    }
    Matcher building = BUILDING_TASK.matcher(description);
    if (building.matches()) {
      return "building " + building.group(1);
    }
    if (description.equals(CONFIG_TASK)) {
      return "pushing the image config";
    }
    if (description.startsWith("pushing manifest")) {
      return "pushing the manifest";
    }
    if (description.equals("writing to tar file")) {
      return "writing the image";
    }
    if (description.contains("base image") || description.startsWith("compressing layer ")) {
      return hostBase ? "preparing the host base" : "preparing the base image";
    }
    return description;
  }

  /** {@code sha256:} and 12 hex digits, as docker shows image IDs. */
  static String shortDigest(String digest) {
    int hex = digest.indexOf(':') + 1;
    return digest.substring(0, Math.min(digest.length(), hex + 12));
  }

  /** What the registry answered a manifest push with, when not the pushed manifest's digest. */
  Optional<String> manifestDigestMismatch() {
    return Optional.ofNullable(otherManifestDigest.get());
  }

  /** A registry's text, as much as a message needs and nothing a terminal would act on. */
  private static String printable(String text) {
    String shown = text.replaceAll("[^\\x20-\\x7e]", "?");
    return shown.length() > 100 ? shown.substring(0, 100) + "..." : shown;
  }

  /** Where one of relpack's layers came from: built by this build, or taken from the cache. */
  LayerResult.Origin origin(String layerName) {
    if (wasBuilt(layerName) || compressed.contains(layerName)) {
      return LayerResult.Origin.BUILT;
    }
    return reused.contains(layerName) ? LayerResult.Origin.REUSED : LayerResult.Origin.CACHED;
  }

  boolean wasBuilt(String layerName) {
    return builtLayers.contains(layerName);
  }

  /** The layers jib said it built, by name, with the digest it logged for each. */
  Map<String, String> builtDigests() {
    return Map.copyOf(builtDigests);
  }

  long uploadedBytes() {
    return uploaded.stream().mapToLong(d -> blobSizes.getOrDefault(d, 0L)).sum();
  }

  int uploadedBlobs() {
    return uploaded.size();
  }
}
