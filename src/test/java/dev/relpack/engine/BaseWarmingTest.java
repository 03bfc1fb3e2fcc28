package dev.relpack.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BaseWarmingTest {
  @Test
  void theJvmsArchitectureNamesTheBasePlatformToReadAhead() {
    assertEquals(Optional.of("amd64"), BaseWarming.machineArchitecture("amd64"));
    assertEquals(Optional.of("amd64"), BaseWarming.machineArchitecture("x86_64"));
    assertEquals(Optional.of("arm64"), BaseWarming.machineArchitecture("aarch64"));
    // no guess, no reading ahead: the check reads the base it finds right
    assertEquals(Optional.empty(), BaseWarming.machineArchitecture("s390x"));
  }
}
