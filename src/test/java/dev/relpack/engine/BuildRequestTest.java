package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BuildRequestTest {
  @Test
  void theBuilderHoldsEveryDefault() {
    BuildRequest request = BuildRequest.builder(Map.of("XDG_CACHE_HOME", "/x"), Path.of("/h"))
        .release(Path.of("rel")).to("registry.example.com/app").build();
    assertEquals("host", request.from());
    assertEquals("65534:65534", request.user());
    assertEquals("/app", request.appRoot());
    assertTrue(request.check());
    assertEquals(BuildRequest.DEFAULT_TIMEOUT, request.timeout());
    assertEquals(CacheDirectory.defaultFor(Map.of("XDG_CACHE_HOME", "/x"), Path.of("/h")),
        request.cacheDir());
    assertEquals(Optional.empty(), request.projectDir());
    assertEquals(List.of(), request.tags());
  }

  @Test
  void nullKeepsTheDefaultAndAValueReplacesIt() {
    BuildRequest request = BuildRequest.builder(Map.of(), Path.of("/h")).from(null).user(null)
        .appRoot("/srv").timeoutSeconds(20L).check(false).cacheDir(Path.of("/c")).build();
    assertEquals("host", request.from());
    assertEquals("65534:65534", request.user());
    assertEquals("/srv", request.appRoot());
    assertEquals(java.time.Duration.ofSeconds(20), request.timeout());
    assertFalse(request.check());
    assertEquals(Path.of("/c"), request.cacheDir());
  }

  @Test
  void theSbomIsCycloneDxAndAttachedUnlessTheRequestSaysOtherwise() {
    BuildRequest defaults = BuildRequest.builder(Map.of(), Path.of("/h")).sbomFormat(null).build();
    assertEquals(dev.relpack.sbom.SbomFormat.CYCLONEDX, defaults.sbomFormat());
    assertTrue(defaults.attachSbom());
    assertTrue(defaults.sbomFile().isEmpty());
    BuildRequest spdx = BuildRequest.builder(Map.of(), Path.of("/h")).sbomFormat("SPDX")
        .attachSbom(false).sbomFile(Path.of("sbom.json")).build();
    assertEquals(dev.relpack.sbom.SbomFormat.SPDX, spdx.sbomFormat());
    assertFalse(spdx.attachSbom());
    assertEquals(Optional.of(Path.of("sbom.json")), spdx.sbomFile());
    dev.relpack.error.BadInputException wrong = org.junit.jupiter.api.Assertions.assertThrows(
        dev.relpack.error.BadInputException.class,
        () -> BuildRequest.builder(Map.of(), Path.of("/h")).sbomFormat("syft"));
    assertEquals("{sbom-format} syft: give cyclonedx (CycloneDX 1.5 JSON) or spdx (SPDX 2.3 JSON)",
        wrong.getMessage());
  }

  @Test
  void itsTextNeverHoldsTheEnvironment() {
    BuildRequest request = new BuildRequest(Optional.of(Path.of("rel")), Optional.empty(), List.of(),
        "host", "registry.example.com/app", Optional.empty(), List.of(), List.of(), List.of(), List.of(),
        "65534:65534", "/app", false, List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Path.of("c"),
        true, Map.of("CI_REGISTRY_PASSWORD", "hunter2", "CI_JOB_TOKEN", "tok-123"), Path.of("/h"),
        BuildRequest.DEFAULT_TIMEOUT, ReleaseStep.NONE,
        List.of(new dev.relpack.auth.RegistryLogin("r.example.com", "u", "s3cret-pw", "settings")),
        List.of(), true, Optional.empty(), dev.relpack.sbom.SbomFormat.CYCLONEDX, true);
    String text = request.toString();
    assertTrue(text.contains("registry.example.com/app"), text);
    assertFalse(text.contains("hunter2") || text.contains("tok-123"), text);
    assertFalse(text.contains("s3cret-pw"), text);
  }
}
