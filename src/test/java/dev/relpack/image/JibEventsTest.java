package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import com.google.cloud.tools.jib.event.progress.Allocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What jib's events say of each blob, told as a layer done. The event texts are those jib-core
 * 0.28.1 sends (PushBlobStep, ObtainBaseImageLayerStep, RegistryClient#pushBlob,
 * BuildAndCacheApplicationLayerStep, PushContainerConfigurationStep), in the order it sends them.
 */
class JibEventsTest {
  private static final String APP = "sha256:" + "a".repeat(64);
  private static final String OTP = "sha256:" + "b".repeat(64);
  private static final String BASE = "sha256:" + "c".repeat(64);
  private static final String CONFIG = "sha256:" + "d".repeat(64);
  private static final TimerEvent.Timer TIMER = Optional::empty;

  private final List<LayerResult> done = Collections.synchronizedList(new ArrayList<>());
  private final List<String> tasks = Collections.synchronizedList(new ArrayList<>());
  private final Allocation root = Allocation.newRoot("building images to registry", 4);

  private JibEvents events(boolean mountable, boolean hostBase) {
    return new JibEvents(new ImageListener() {
      @Override
      public void layerDone(LayerResult layer) {
        done.add(layer);
      }

      @Override
      public void progress(double fraction, String task) {
        tasks.add(task);
      }

      @Override
      public void warn(String message) {}

      @Override
      public void debug(String message) {}
    }, Map.of("app", 5540L, "otp", 6_170_000L), mountable, hostBase);
  }

  private static TimerEvent timer(TimerEvent.State state, String description) {
    return new TimerEvent(state, TIMER, Duration.ZERO, Duration.ZERO, description);
  }

  private static String descriptor(String digest, long size) {
    return "digest: " + digest + ", size: " + size;
  }

  /** PushBlobStep for a blob the registry lacks: checked, POSTed, PATCHed, PUT, finished. */
  private void upload(JibEvents events, Allocation parent, String digest, long size) {
    events.onProgress(new ProgressEvent(parent.newChild("pushing blob " + digest, size), 0));
    events.onTimer(timer(TimerEvent.State.START, "Pushing BLOB " + descriptor(digest, size)));
    events.onTimer(timer(TimerEvent.State.START, "pushBlob POST " + digest));
    events.onTimer(timer(TimerEvent.State.LAP, "pushBlob PATCH " + digest));
    events.onTimer(timer(TimerEvent.State.LAP, "pushBlob PUT " + digest));
    events.onTimer(timer(TimerEvent.State.FINISHED, "pushBlob POST " + digest));
    events.onTimer(timer(TimerEvent.State.FINISHED, "Pushing BLOB " + descriptor(digest, size)));
  }

  /** PushBlobStep for a blob the registry has: its HEAD answers, nothing is sent. */
  private static void found(JibEvents events, String digest, long size) {
    events.onTimer(timer(TimerEvent.State.START, "Pushing BLOB " + descriptor(digest, size)));
    events.onLog(LogEvent.info("Skipping push; BLOB already exists on target registry : "
        + descriptor(digest, size)));
    events.onTimer(timer(TimerEvent.State.FINISHED, "Pushing BLOB " + descriptor(digest, size)));
  }

  @Test
  void anUploadedBuiltLayerIsPushedByItsName() {
    JibEvents events = events(false, false);
    events.onLog(LogEvent.debug("Building app layer built " + APP));
    upload(events, root, APP, 3560);
    assertEquals(List.of(new LayerResult("app", APP, 3560, LayerResult.Origin.BUILT,
        java.util.OptionalLong.of(5540), LayerResult.Delivery.PUSHED)), done);
    assertEquals(3560, events.uploadedBytes());
  }

  @Test
  void aLayerCompressedIntoTheCacheBeforeJibRanIsBuiltThoughJibFoundItCached() {
    JibEvents events = events(false, false);
    events.cached(Map.of(APP, "app"));
    events.compressed(Map.of("otp", OTP));
    upload(events, root, OTP, 3_300_000);
    found(events, APP, 3560);
    assertEquals(LayerResult.Origin.BUILT, done.get(0).origin());
    assertEquals(LayerResult.Delivery.PUSHED, done.get(0).delivery());
    assertEquals(LayerResult.Origin.CACHED, done.get(1).origin());
  }

  @Test
  void aCachedLayerTheRegistryHasIsPresentAndNamedFromTheCacheCheck() {
    JibEvents events = events(false, false);
    events.cached(Map.of(OTP, "otp"));
    found(events, OTP, 3_300_000);
    assertEquals(1, done.size());
    assertEquals("otp", done.get(0).name());
    assertEquals(LayerResult.Origin.CACHED, done.get(0).origin());
    assertEquals(LayerResult.Delivery.PRESENT, done.get(0).delivery());
    assertEquals(LayerResult.Delivery.PRESENT, events.delivery(OTP));
    assertEquals(0, events.uploadedBlobs());
  }

  @Test
  void aBaseLayerFoundBeforeItIsPulledIsPresent() {
    JibEvents events = events(false, false);
    events.onLog(LogEvent.info("Skipping pull; BLOB already exists on target registry : "
        + descriptor(BASE, 28_000_000)));
    assertEquals(List.of(new LayerResult("base", BASE, 28_000_000, LayerResult.Origin.BASE,
        java.util.OptionalLong.empty(), LayerResult.Delivery.PRESENT)), done);
  }

  @Test
  void neitherFoundNorUploadedIsMountedOnlyWhereJibTriesAMount() {
    JibEvents mounting = events(true, false);
    mounting.onTimer(timer(TimerEvent.State.START, "Pushing BLOB " + descriptor(BASE, 100)));
    mounting.onTimer(timer(TimerEvent.State.START, "pushBlob POST " + BASE));
    mounting.onTimer(timer(TimerEvent.State.FINISHED, "pushBlob POST " + BASE));
    mounting.onTimer(timer(TimerEvent.State.FINISHED, "Pushing BLOB " + descriptor(BASE, 100)));
    assertEquals(List.of(LayerResult.Delivery.MOUNTED),
        done.stream().map(LayerResult::delivery).toList());

    done.clear();
    // the base is in another registry: no mount is tried, so such an end is a failed push
    JibEvents elsewhere = events(false, false);
    elsewhere.onTimer(timer(TimerEvent.State.START, "Pushing BLOB " + descriptor(BASE, 100)));
    elsewhere.onTimer(timer(TimerEvent.State.FINISHED, "Pushing BLOB " + descriptor(BASE, 100)));
    assertEquals(List.of(), done);
  }

  @Test
  void theConfigIsNoLayer() {
    JibEvents events = events(false, false);
    Allocation config = root.newChild("pushing container configuration", 1);
    events.onProgress(new ProgressEvent(config, 0));
    upload(events, config, CONFIG, 900);
    assertEquals(List.of(), done);
    assertEquals(1, events.uploadedBlobs(), "it is uploaded all the same");
    assertEquals("pushing the image config", tasks.get(tasks.size() - 1));
  }

  @Test
  void aLayerIsToldOnceAndNotAfterTheAttemptEnded() {
    JibEvents events = events(false, false);
    events.onLog(LogEvent.debug("Building app layer built " + APP));
    found(events, APP, 3560);
    found(events, APP, 3560);
    assertEquals(1, done.size());
    events.failed();
    events.onLog(LogEvent.debug("Building otp layer built " + OTP));
    upload(events, root, OTP, 10);
    assertEquals(1, done.size(), "a failed attempt's cancelled pushes say nothing");
  }

  @Test
  void tasksNameLayersAndNoBaseImageForTheHostBase() {
    JibEvents host = events(false, true);
    host.onLog(LogEvent.debug("Building app layer built " + APP));
    for (String description : List.of("building app layer", "pushing blob " + APP,
        "pushing blob " + BASE, "processing base image layers",
        "compressing layer " + BASE, "pushing manifest for 1", "writing to tar file")) {
      host.onProgress(new ProgressEvent(root.newChild(description, 1), 0));
    }
    assertEquals(List.of("building app", "pushing app", "pushing base layer sha256:cccccccccccc",
        "preparing the host base", "preparing the host base", "pushing the manifest",
        "writing the image"), tasks);

    tasks.clear();
    JibEvents registryBase = events(false, false);
    registryBase.onProgress(new ProgressEvent(
        root.newChild("pulling base image layer " + BASE, 1), 0));
    registryBase.onProgress(new ProgressEvent(root.newChild("pulling base image manifest", 1), 0));
    assertEquals(List.of("pulling base layer sha256:cccccccccccc", "preparing the base image"),
        tasks);
  }
}
