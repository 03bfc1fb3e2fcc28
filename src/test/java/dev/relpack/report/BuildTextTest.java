package dev.relpack.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.base.BaseImage;
import dev.relpack.engine.BuildReport;
import dev.relpack.image.ImageResult;
import dev.relpack.image.LayerResult;
import dev.relpack.image.LayerResult.Delivery;
import dev.relpack.image.LayerResult.Origin;
import dev.relpack.layers.LayerPlan;
import dev.relpack.publish.ArchiveTarget;
import dev.relpack.publish.LayoutTarget;
import dev.relpack.publish.RegistryTarget;
import dev.relpack.publish.Target;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BuildTextTest {
  private static final String DIGEST = "sha256:" + "0123456789ab".repeat(5) + "cdef";

  private static LayerResult layer(String name, long size, Origin origin, Delivery delivery) {
    return new LayerResult(name, DIGEST, size, origin,
        origin == Origin.BASE ? OptionalLong.empty() : OptionalLong.of(size * 2), delivery);
  }

  @Test
  void aLineSaysWhatBecameOfTheLayerAndHowItWasMade() {
    assertEquals("pushed app 3.56 kB (built)",
        BuildText.layerLine(layer("app", 3560, Origin.BUILT, Delivery.PUSHED)));
    assertEquals("pushed erts 2.17 MB (reused from cache)",
        BuildText.layerLine(layer("erts", 2_170_000, Origin.CACHED, Delivery.PUSHED)));
    assertEquals("otp 3.30 MB already in the registry (reused from cache)",
        BuildText.layerLine(layer("otp", 3_300_000, Origin.CACHED, Delivery.PRESENT)));
    assertEquals("base layer sha256:0123456789ab 28.0 MB mounted from the base's repository",
        BuildText.layerLine(layer("base-2", 28_000_000, Origin.BASE, Delivery.MOUNTED)));
    assertEquals("wrote release 30.6 kB (built)",
        BuildText.layerLine(layer("release", 30_600, Origin.BUILT, Delivery.WRITTEN)));
  }

  private static BuildReport report(Target target, List<LayerResult> layers, long uploaded,
      int blobs) {
    Release release = new Release("Demo", "0.1.0", "13.1.5", ReleaseKind.MIX, true, List.of(),
        List.of());
    BaseImage base = new BaseImage("host", Optional.of(DIGEST), new BaseImage.ScratchSource(),
        Optional.empty(), new BaseImage.MachineContents(Path.of("/"), List.of()));
    ImageResult image = new ImageResult("sha256:" + "e".repeat(64), "sha256:" + "f".repeat(64),
        target.tags(), layers, uploaded, blobs);
    return new BuildReport(release, new LayerPlan(List.of()), base, target, image,
        Duration.ofMillis(8600), Optional.empty(), Optional.empty());
  }

  @Test
  void aRegistrySummarySaysPerLayerPushedOrPresentAndWhatWasUploaded() {
    List<String> lines = BuildText.summary(report(new RegistryTarget(
        ImageReference.of("reg.example.com", "g/demo", "1"), List.of("1")), List.of(
            layer("base", 1350, Origin.BASE, Delivery.PRESENT),
            layer("app", 3560, Origin.BUILT, Delivery.PUSHED)), 3560 + 900, 2));
    assertEquals("Built reg.example.com/g/demo@sha256:" + "e".repeat(64), lines.get(0));
    assertEquals(List.of("layer", "compressed", "uncompressed", "origin", "result", "digest"),
        List.of(lines.get(3).trim().split("\\s+")));
    assertEquals(List.of("base", "1.35", "kB", "-", "base", "present", DIGEST),
        List.of(lines.get(4).trim().split("\\s+")));
    assertEquals(List.of("app", "3.56", "kB", "7.12", "kB", "built", "pushed", DIGEST),
        List.of(lines.get(5).trim().split("\\s+")));
    assertEquals("  2 layers, 4.91 kB compressed; uploaded 4.46 kB in 2 blobs; 8.6 s",
        lines.get(6));
    assertFalse(String.join("\n", lines).contains("image ID"), lines.toString());
  }

  @Test
  void anArchiveSummaryGivesTheImageIdDockerLoadShowsAndUploadsNothing() {
    List<String> lines = BuildText.summary(report(new ArchiveTarget(Path.of("/tmp/demo.tar"),
        List.of("1", "2")), List.of(layer("app", 3560, Origin.CACHED, Delivery.WRITTEN)), 0, 0));
    assertTrue(lines.contains("  image ID: sha256:" + "f".repeat(64)
        + " (docker load names it demo:1)"), lines.toString());
    assertEquals("  1 layer, 3.56 kB compressed; 8.6 s", lines.get(lines.size() - 1));
    assertTrue(lines.get(lines.size() - 2).contains(" written "), lines.toString());
  }

  @Test
  void aLayoutSummaryUploadsNothingAndHasNoImageId() {
    List<String> lines = BuildText.summary(report(new LayoutTarget(Path.of("/tmp/layout"),
        List.of("1")), List.of(layer("app", 3560, Origin.BUILT, Delivery.WRITTEN)), 0, 0));
    String text = String.join("\n", lines);
    assertFalse(text.contains("uploaded"), text);
    assertFalse(text.contains("image ID"), text);
  }
}
