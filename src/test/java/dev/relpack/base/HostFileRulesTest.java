package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostFileRulesTest {
  @ParameterizedTest
  @ValueSource(strings = {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1",
      "/lib/ld-linux-aarch64.so.1", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
      "/lib64/ld64.so.2", "/libx32/ld-linux-x32.so.2"})
  void realLoadersAreAccepted(String loader) {
    HostFileRules.requireLoader(loader, "erts-13/bin/beam.smp"); // does not throw
  }

  @ParameterizedTest
  @ValueSource(strings = {"/etc/shadow", "/proc/self/environ", "/lib64/../etc/shadow",
      "lib64/ld-linux-x86-64.so.2", "/lib64/libc.so.6", "/home/me/lib/ld-linux.so.2",
      "/lib64//ld-linux-x86-64.so.2", "/usr/lib/a/b/ld.so"})
  void anythingElseAsALoaderIsRefusedNamingTheFile(String loader) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> HostFileRules.requireLoader(loader, "lib/evil-1/priv/x.so"));
    assertTrue(e.getMessage().contains("lib/evil-1/priv/x.so") && e.getMessage().contains(loader),
        e.getMessage());
  }

  @Test
  void aShebangNamesAnAbsoluteProgram() {
    assertEquals(Optional.of("/bin/bash"),
        HostFileRules.interpreter(List.of("/bin/bash", "-e"), "bin/x"));
  }

  @Test
  void envSkipsItsOptionsAndAssignmentsAndLooksThePlainNameUpOnPath() {
    assertEquals(Optional.of("bash"),
        HostFileRules.interpreter(List.of("/usr/bin/env", "bash"), "bin/x"));
    assertEquals(Optional.of("python3"), HostFileRules.interpreter(
        List.of("/usr/bin/env", "-i", "-u", "HOME", "LANG=C", "-S", "python3", "-u"), "bin/x"));
    assertEquals(Optional.of("/usr/local/bin/elixir"),
        HostFileRules.interpreter(List.of("/usr/bin/env", "/usr/local/bin/elixir"), "bin/x"));
    assertEquals(Optional.empty(), HostFileRules.interpreter(List.of("/usr/bin/env", "-i"), "bin/x"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/etc/shadow", "/usr/bin/../../etc/shadow", "../../etc/shadow",
      "bash", "/proc/self/exe", "/tmp/x", "/usr/bin/"})
  void aShebangProgramOutsideTheProgramDirectoriesIsRefused(String program) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> HostFileRules.interpreter(List.of(program), "lib/a-1/priv/run"));
    assertTrue(e.getMessage().contains("lib/a-1/priv/run"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../etc/shadow", "/proc/self/environ", "./x", "/usr/bin/../../etc/x"})
  void envCannotReachOutsideEither(String program) {
    assertThrows(BadInputException.class, () -> HostFileRules.interpreter(
        List.of("/usr/bin/env", "-i", "A=1", program), "bin/x"));
  }

  @Test
  void aProgramThatResolvesIntoEtcOrProcIsRefused() {
    HostFileRules.requireResolvedProgram("/usr/bin/awk", "/usr/bin/mawk", "bin/x");
    BadInputException e = assertThrows(BadInputException.class,
        () -> HostFileRules.requireResolvedProgram("/usr/bin/x", "/etc/shadow", "bin/y"));
    assertTrue(e.getMessage().contains("bin/y") && e.getMessage().contains("/etc/shadow"));
  }
}
