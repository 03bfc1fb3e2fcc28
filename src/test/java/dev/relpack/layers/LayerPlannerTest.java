package dev.relpack.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseReader;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerPlannerTest {
  @TempDir Path cache;

  private Release read(Path path) {
    return new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(path);
  }

  private static Map<LayerKind, List<String>> apps(LayerPlan plan) {
    return plan.layers().stream().collect(Collectors.toMap(PlannedLayer::kind, PlannedLayer::apps));
  }

  @Test
  void layersTheDemoFromLeastToMostOftenChanged() {
    Release demo = read(Testdata.demoTarball());
    LayerPlan plan = LayerPlanner.plan(demo, new AppRoles(Set.of("demo"), Set.of()));
    assertEquals(List.of(LayerKind.ERTS, LayerKind.OTP, LayerKind.DEPS, LayerKind.APP,
        LayerKind.RELEASE), plan.layers().stream().map(PlannedLayer::kind).toList());
    assertEquals(List.of("compiler-8.2.3", "crypto-5.1.2", "elixir-1.14.0", "iex-1.14.0",
        "kernel-8.5.3", "logger-1.14.0", "sasl-4.2", "stdlib-4.2"), apps(plan).get(LayerKind.OTP));
    assertEquals(List.of("greeting-1.2.0"), apps(plan).get(LayerKind.DEPS));
    assertEquals(List.of("demo-0.1.0"), apps(plan).get(LayerKind.APP));
    for (PlannedLayer layer : plan.layers()) {
      for (ReleaseFile file : layer.files()) {
        String expectedTop = switch (layer.kind()) {
          case ERTS -> "erts-13.1.5";
          case OTP, DEPS, APP -> "lib";
          case RELEASE -> topLevel(file);
        };
        assertEquals(expectedTop, topLevel(file), file.path());
      }
    }
    Set<String> release = top(plan, LayerKind.RELEASE);
    assertEquals(Set.of("bin", "releases"), release);
    long planned = plan.layers().stream().mapToLong(l -> l.files().size()).sum();
    assertEquals(demo.files().size() - 1, planned, "every file but the bare lib/ directory");
  }

  @Test
  void umbrellaChildrenAreOwnAppsWhenTheProjectSaysSoAndLockedDepsNeverAre() {
    Release platform = read(Testdata.kind("mix-umbrella"));
    LayerPlan nameOnly = LayerPlanner.plan(platform, new AppRoles(Set.of(), Set.of()));
    assertEquals(List.of("core-2.0.0", "plug-1.14.0", "telemetry-1.2.1", "web-2.0.0"),
        apps(nameOnly).get(LayerKind.DEPS));

    LayerPlan withRoles = LayerPlanner.plan(platform,
        new AppRoles(Set.of("core", "web", "plug"), Set.of("plug", "telemetry")));
    assertEquals(List.of("core-2.0.0", "web-2.0.0"), apps(withRoles).get(LayerKind.APP));
    assertEquals(List.of("plug-1.14.0", "telemetry-1.2.1"), apps(withRoles).get(LayerKind.DEPS));
  }

  @Test
  void elixirAppsAtAnotherVersionThanElixirAreNotStandard() {
    Release shop = read(Testdata.kind("distillery"));
    assertTrue(StandardApps.isStandard(new ReleaseApp("logger", "1.8.0"), shop));
    assertTrue(!StandardApps.isStandard(new ReleaseApp("logger", "9.9.9"), shop));
    assertTrue(StandardApps.isStandard(new ReleaseApp("ssl", "9.9.9"), shop));
    assertTrue(!StandardApps.isStandard(new ReleaseApp("jason", "1.1.2"), shop));
  }

  @Test
  void libDirectoriesNotInTheRelFileAreNamedFromTheirVersion() {
    Release api = read(Testdata.kind("relx"));
    assertEquals(new ReleaseApp("my_app", "1.0.0-rc-1"), LayerPlanner.appOf("my_app-1.0.0-rc-1", api));
    assertEquals(new ReleaseApp("cowboy", "2.9.0"), LayerPlanner.appOf("cowboy-2.9.0", api));
    assertEquals(new ReleaseApp("odd", ""), LayerPlanner.appOf("odd", api));
  }

  @Test
  void emptyLayersAreLeftOut() {
    Release api = read(Testdata.kind("relx"));
    LayerPlan plan = LayerPlanner.plan(api, new AppRoles(Set.of("api"), Set.of()));
    assertTrue(plan.layers().stream().noneMatch(l -> l.files().isEmpty()));
    LayerPlan allDeps = LayerPlanner.plan(api, new AppRoles(Set.of(), Set.of()));
    assertTrue(allDeps.layers().stream().noneMatch(l -> l.kind() == LayerKind.APP));
  }

  private static Set<String> top(LayerPlan plan, LayerKind kind) {
    return plan.layers().stream().filter(l -> l.kind() == kind).flatMap(l -> l.files().stream())
        .map(LayerPlannerTest::topLevel).collect(Collectors.toSet());
  }

  private static String topLevel(ReleaseFile file) {
    return file.path().split("/")[0];
  }
}
