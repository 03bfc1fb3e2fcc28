package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.ExitCode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BasePlatformTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BaseContext AMD64_CHECKED = context(true, Optional.of("amd64"));

  private static BaseContext context(boolean check, Optional<String> nativeArchitecture) {
    return new BaseContext(null, null, null, null, event -> { }, null, "/app", "65534:65534",
        check, nativeArchitecture);
  }

  private static BasePlatform image(String os, String architecture) throws Exception {
    return BasePlatform.ofConfig(JSON.readTree(
        "{\"architecture\":\"" + architecture + "\",\"os\":\"" + os + "\"}"));
  }

  @Test
  void anImageOfTheReleasesArchitecturePasses() throws Exception {
    assertDoesNotThrow(() -> image("linux", "amd64").check("alpine:3.20", AMD64_CHECKED));
  }

  @Test
  void anImageOfAnotherArchitectureFailsTheCheck() throws Exception {
    BasePlatform arm = image("linux", "arm64");
    CheckFailedException e = assertThrows(CheckFailedException.class,
        () -> arm.check("alpine:3.20", AMD64_CHECKED));
    assertEquals(ExitCode.CHECK_FAILED, e.exitCode());
    assertEquals("the release will not run on alpine:3.20: its native code (ERTS, NIFs) is"
        + " linux/amd64, the base is linux/arm64; choose a linux/amd64 base", e.getMessage());
  }

  @Test
  void aSingleImageIsNotCheckedWithNoCheckOrForAReleaseWithoutNativeCode() throws Exception {
    BasePlatform arm = image("linux", "arm64");
    assertDoesNotThrow(() -> arm.check("x", context(false, Optional.of("amd64"))));
    assertDoesNotThrow(() -> arm.check("x", context(true, Optional.empty())));
  }

  @Test
  void aWindowsImageOfTheSameArchitectureIsNoBaseForARelease() throws Exception {
    assertThrows(CheckFailedException.class, () -> image("windows", "amd64").check("x", AMD64_CHECKED));
  }

  @Test
  void anImageThatSaysNothingOfItsPlatformIsNotRefused() {
    assertDoesNotThrow(() -> new BasePlatform(List.of(), false).check("x", AMD64_CHECKED));
  }

  @Test
  void anIndexMustOfferThePlatformEvenWithNoCheckAndListsWhatItOffers() {
    BasePlatform index = new BasePlatform(List.of(new Platform("arm64", "linux"),
        new Platform("unknown", "unknown"), new Platform("s390x", "linux"),
        new Platform("unknown", "unknown")), true);
    assertDoesNotThrow(() -> index.check("x", context(true, Optional.of("s390x"))));
    String message = assertThrows(CheckFailedException.class,
        () -> index.check("x", context(false, Optional.of("amd64")))).getMessage();
    assertTrue(message.endsWith("the base offers only linux/arm64, linux/s390x; choose a"
        + " linux/amd64 base"), "attestation entries left out: " + message);
  }

  @Test
  void anIndexWithoutThisMachinesPlatformSaysSoForAReleaseWithoutNativeCode() {
    BasePlatform index = new BasePlatform(List.of(new Platform("s390x", "linux")), true);
    String message = assertThrows(CheckFailedException.class,
        () -> index.check("x", context(true, Optional.empty()))).getMessage();
    assertTrue(message.startsWith("x has no linux/" + dev.relpack.elf.ElfFile.thisMachine()
        + " image (the release has no native code"), message);
  }
}
