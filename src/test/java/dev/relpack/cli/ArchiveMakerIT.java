package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archive is made after the build that asks for it has returned: that build's
 * output ends and its status is given while the archive is still to be made, the next build uses
 * the archive, and a maker killed half-way (a CI container stopped) leaves nothing that is used.
 * Each test holds the maker's lock, as a maker already at work would, to keep the archive from
 * being made until the test lets it: no race with the machine's speed decides what is seen.
 */
class ArchiveMakerIT {
  private static final Duration DEADLINE = Duration.ofMinutes(3);
  @TempDir Path work;
  private Path jar;
  private Path state;
  private Path logs;

  @BeforeEach
  void placeJar() throws IOException {
    jar = work.resolve("bin/relpack.jar"); // its own path: the test finds its processes by it
    Files.createDirectories(jar.getParent());
    Files.copy(Path.of(System.getProperty("relpack.jar", "target/relpack.jar")), jar);
    state = work.resolve("home/.local/state/relpack/jvm");
    Files.createDirectories(state.getParent());
    Files.createDirectory(state,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    logs = work.resolve("class-load");
    Files.createDirectories(logs);
  }

  @AfterEach
  void noMakerOutlivesTheTest() {
    List<ProcessHandle> left = ours().toList();
    left.forEach(ProcessHandle::destroyForcibly);
    left.forEach(p -> p.onExit().join());
  }

  @Test
  void theSecondBuildReturnsBeforeTheArchiveIsMadeAndTheThirdUsesIt() throws Exception {
    build("out1").requireSuccess();
    try (AutoCloseable held = holdMakerLock()) {
      Process second = start("out2");
      // all its output, to the end: a maker still holding stdout or stderr would stall this
      CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(second));
      String printed = output.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertTrue(second.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
      assertEquals(0, second.exitValue(), printed);
      assertTrue(printed.contains("sha256:"), printed);
      assertEquals(List.of(), archives(), "no archive yet: the maker waits for the lock");
      assertTrue(ours().anyMatch(p -> args(p).contains(ArchiveMaker.class.getName())),
          "a maker waits in the background");
    }
    await(() -> archives().size() == 1 && ours().findAny().isEmpty(), "the archive is made");
    assertEquals(List.of(), leftovers(), "its class list and temporary file are gone");

    clear(logs);
    Command.Result third = build("out3");
    third.requireSuccess();
    assertTrue(loadLogs().anyMatch(log -> log.contains("dev.relpack.cli.Main source: shared objects file")),
        "the third build takes relpack's classes from the archive");
    assertEquals(Optional.empty(), ours().findAny(), "no second maker once the archive is there");
  }

  @Test
  void aKilledMakerLeavesNothingInUseAndTheNextBuildMakesItAgain() throws Exception {
    build("out1").requireSuccess();
    ProcessHandle maker;
    try (AutoCloseable held = holdMakerLock()) {
      build("out2").requireSuccess();
      maker = ours().filter(p -> args(p).contains(ArchiveMaker.class.getName())).findFirst()
          .orElseThrow(() -> new AssertionError("no maker started"));
    }
    await(() -> maker.descendants().anyMatch(p -> args(p).contains("-Xshare:dump")),
        "the maker starts the JDK's dump");
    List<ProcessHandle> dump = maker.descendants().toList();
    maker.destroyForcibly(); // SIGKILL, as when a CI job's container is stopped
    dump.forEach(ProcessHandle::destroyForcibly);
    maker.onExit().join();
    dump.forEach(p -> p.onExit().join());
    assertEquals(List.of(), archives(), "no archive kept from a killed dump");

    clear(logs);
    build("out3").requireSuccess();
    assertFalse(loadLogs().anyMatch(log -> log.contains("dev.relpack.cli.Main source: shared objects file")),
        "the third build used no relpack archive");
    await(() -> archives().size() == 1 && ours().findAny().isEmpty(),
        "the third build's maker makes the archive");
  }

  @Test
  void aFailedBuildKeepsItsExitStatusAndLeavesNoClassListOrMaker() throws Exception {
    build("out1").requireSuccess();
    Command.Result failed = Command.run(command(List.of("build", "--release",
        work.resolve("no-such-release.tar.gz").toString(), "--to", "oci:" + work.resolve("out2"),
        "-q")), environment(), DEADLINE);
    assertEquals(2, failed.exitCode(), failed.stderr());
    assertEquals(List.of(), leftovers(), "the failed build's class list is removed");
    assertEquals(Optional.empty(), ours().findAny(), "no maker for a failed build");
  }

  /** Holds the lock a maker takes before it dumps, until closed. */
  private AutoCloseable holdMakerLock() throws IOException {
    FileChannel channel = FileChannel.open(state.resolve("maker.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    channel.lock();
    return channel::close; // closing the channel releases its lock
  }

  private Command.Result build(String out) {
    return Command.run(buildCommand(out), environment(), DEADLINE);
  }

  private Process start(String out) throws IOException {
    return Command.start(buildCommand(out), environment());
  }

  /** Every build logs class loading, per process; all builds use the same options (one archive). */
  private List<String> buildCommand(String out) {
    return command(List.of("build", "--release", Testdata.demoTarball().toString(),
        "--cache-dir", work.resolve("cache").toString(), "--to", "oci:" + work.resolve(out), "-q"));
  }

  private List<String> command(List<String> args) {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-Xlog:class+load=info:file=" + logs.resolve("load-%p.log"), "-jar", jar.toString()));
    command.addAll(args);
    return command;
  }

  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", work.resolve("home").toString());
    env.put("XDG_CACHE_HOME", work.resolve("home/.cache").toString());
    env.put("XDG_STATE_HOME", work.resolve("home/.local/state").toString());
    env.put("RELPACK_NO_RELAUNCH", null);
    return env;
  }

  /** Live processes started from this test's jar: makers and the JVMs they run. */
  private Stream<ProcessHandle> ours() {
    String real = realJar(); // what the launcher hands its children
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .filter(p -> args(p).contains(jar.toString()) || args(p).contains(real));
  }

  private String realJar() {
    try {
      return jar.toRealPath().toString();
    } catch (java.io.IOException e) {
      return jar.toString(); // the jar is gone: its processes name the path they were given
    }
  }

  private static String args(ProcessHandle process) {
    return String.join(" ", process.info().arguments().orElse(new String[0]));
  }

  /** The archives in place, with their checksums: what a build would load. */
  private List<Path> archives() {
    try (Stream<Path> files = Files.list(state)) {
      return files.filter(p -> p.getFileName().toString().matches("relpack-[0-9a-f]+\\.jsa"))
          .toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> files = Files.list(state)) {
      return files.filter(p -> p.toString().endsWith(".classlist") || p.toString().endsWith(".tmp"))
          .toList();
    }
  }

  private Stream<String> loadLogs() throws IOException {
    try (Stream<Path> files = Files.list(logs)) {
      List<String> all = new ArrayList<>();
      for (Path log : files.toList()) {
        all.add(Files.readString(log, StandardCharsets.UTF_8));
      }
      return all.stream();
    }
  }

  private static void clear(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
  }

  private static String readAll(Process process) {
    try {
      return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Polls until {@code done}, the thing tested being a background process's work. */
  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (!done.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + DEADLINE + ": " + what);
      }
      Thread.sleep(100);
    }
  }
}
