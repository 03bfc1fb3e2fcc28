package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.ExitCode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BasePlatformTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void anImageOfTheReleasesArchitecturePasses() throws Exception {
    BasePlatform platform =
        BasePlatform.ofConfig(JSON.readTree("{\"architecture\":\"amd64\",\"os\":\"linux\"}"));
    assertDoesNotThrow(() -> platform.require("alpine:3.20", Optional.of("amd64")));
  }

  @Test
  void nothingIsCheckedForAReleaseWithoutNativeCodeOrWithChecksOff() throws Exception {
    BasePlatform platform =
        BasePlatform.ofConfig(JSON.readTree("{\"architecture\":\"arm64\",\"os\":\"linux\"}"));
    assertDoesNotThrow(() -> platform.require("alpine:3.20", Optional.empty()));
  }

  @Test
  void anImageOfAnotherArchitectureFailsTheCheckAndSaysHowToOverride() throws Exception {
    BasePlatform platform =
        BasePlatform.ofConfig(JSON.readTree("{\"architecture\":\"arm64\",\"os\":\"linux\"}"));
    CheckFailedException e = assertThrows(CheckFailedException.class,
        () -> platform.require("alpine:3.20", Optional.of("amd64")));
    assertEquals(ExitCode.CHECK_FAILED, e.exitCode());
    assertEquals("the release will not run on alpine:3.20: its native code (ERTS, NIFs) is"
        + " linux/amd64, the base is linux/arm64; choose a linux/amd64 base, or pass --no-check"
        + " to build anyway", e.getMessage());
  }

  @Test
  void aWindowsImageOfTheSameArchitectureIsNoBaseForARelease() throws Exception {
    BasePlatform platform =
        BasePlatform.ofConfig(JSON.readTree("{\"architecture\":\"amd64\",\"os\":\"windows\"}"));
    assertThrows(CheckFailedException.class, () -> platform.require("x", Optional.of("amd64")));
  }

  @Test
  void anIndexListsWhatItOffersAndCannotBeOverridden() {
    BasePlatform index = new BasePlatform(List.of("linux/arm64", "linux/s390x"), true);
    assertDoesNotThrow(() -> index.require("x", Optional.of("s390x")));
    String message = assertThrows(CheckFailedException.class,
        () -> index.require("x", Optional.of("amd64"))).getMessage();
    assertTrue(message.contains("the base offers only linux/arm64, linux/s390x"), message);
    assertTrue(!message.contains("--no-check"), message);
  }
}
