package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BuildRequestTest {
  @Test
  void itsTextNeverHoldsTheEnvironment() {
    BuildRequest request = new BuildRequest(Optional.of(Path.of("rel")), Optional.empty(), List.of(),
        "host", "registry.example.com/app", List.of(), List.of(), List.of(), List.of(),
        "65534:65534", "/app", false, List.of(), Optional.empty(), Optional.empty(), Path.of("c"),
        true, Map.of("CI_REGISTRY_PASSWORD", "hunter2", "CI_JOB_TOKEN", "tok-123"), Path.of("/h"),
        BuildRequest.DEFAULT_TIMEOUT);
    String text = request.toString();
    assertTrue(text.contains("registry.example.com/app"), text);
    assertFalse(text.contains("hunter2") || text.contains("tok-123"), text);
  }
}
