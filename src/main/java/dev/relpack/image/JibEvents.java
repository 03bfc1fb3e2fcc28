package dev.relpack.image;

import dev.relpack.publish.TargetSession;
import dev.relpack.publish.BuildListener;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Listens to jib's events (which arrive from several threads) and keeps what its result does not
 * say: which layers were built rather than taken from the cache, and which blobs were uploaded
 * rather than found in the registry. The event texts are jib-core 0.28.1's; tests pin them.
 */
final class JibEvents {
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[;\\d]*m");
  private static final Pattern BUILT = Pattern.compile("Building (\\S+) layer built (sha256:\\w+)");
  private static final String PUSHING = "pushing blob ";
  private static final String UPLOADING = "pushBlob PATCH ";
  /** jib's ManifestPusher warns, and goes on, when the registry names another digest. */
  private static final Pattern OTHER_DIGEST =
      Pattern.compile("^Expected image digest (sha256:\\w+), but received(?:: (.*)| none)$");

  private final BuildListener listener;
  private final Set<String> builtLayers = ConcurrentHashMap.newKeySet();
  private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> blobSizes = new ConcurrentHashMap<>();
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

  JibEvents(BuildListener listener) {
    this.listener = listener;
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
    }
  }

  void onProgress(ProgressEvent event) {
    String description = event.getAllocation().getDescription();
    if (description.startsWith(PUSHING)) {
      blobSizes.put(description.substring(PUSHING.length()),
          event.getAllocation().getAllocationUnits());
    }
    // jib's own ProgressEventHandler only reports when a task starts or ends; count every event
    progress.add(event.getUnits() * event.getAllocation().getFractionOfRoot());
    listener.progress(Math.min(1, progress.sum()), description);
  }

  void onTimer(TimerEvent event) {
    String description = event.getDescription();
    if (event.getState() == TimerEvent.State.LAP && description.startsWith(UPLOADING)) {
      uploaded.add(description.substring(UPLOADING.length()));
    }
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

  boolean wasBuilt(String layerName) {
    return builtLayers.contains(layerName);
  }

  long uploadedBytes() {
    return uploaded.stream().mapToLong(d -> blobSizes.getOrDefault(d, 0L)).sum();
  }

  int uploadedBlobs() {
    return uploaded.size();
  }
}
