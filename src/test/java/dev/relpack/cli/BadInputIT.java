package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bad input fails with exit 2 and one line naming what is wrong, no stack trace, and leaves
 * the registry and the file system as they were.
 */
class BadInputIT {
  @TempDir static Path work;
  static RegistryServer registry;

  @BeforeAll
  static void start() {
    registry = RegistryServer.start(work.resolve("registry"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @AfterEach
  void nothingWasPushed() {
    assertEquals(List.of(), registry.repositories());
    assertTrue(registry.requests().stream().noneMatch(r -> !r.method().equals("GET") || !r.path().equals("/v2/")),
        "at most a /v2/ probe reached the registry: " + registry.requests());
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-a-release", "no-rel-file", "bad-rel-syntax", "unknown-kind",
      "escaping-symlink", "dangling-symlink", "not-a-release.tar.gz", "not-a-tar.tar.gz",
      "truncated.tar.gz", "dotdot.tar.gz", "absolute.tar.gz", "symlink-escape.tar.gz",
      "symlink-absolute.tar.gz", "symlink-chain.tar.gz", "through-symlink.tar.gz",
      "hardlink-escape.tar.gz", "device.tar.gz", "fifo.tar.gz", "bomb.tar.gz"})
  void badReleasesAreRefused(String fixture) {
    Path input = Testdata.bad(fixture);
    refused(List.of("build", "--release", input.toString(), "--to", registry.address() + "/bad/x"),
        input.toString());
  }

  @Test
  void badOptionsAreRefusedBeforeReadingTheRelease() {
    String release = Testdata.demoTarball().toString();
    String to = registry.address() + "/bad/x";
    refused(List.of("build", "--release", release, "--to", to, "--from", "Alpine:3"), "--from Alpine:3");
    refused(List.of("build", "--release", release, "--to", to, "-p", "70000"), "--port 70000");
    refused(List.of("build", "--release", release, "--to", to, "--user", "root user"), "--user root user");
    refused(List.of("build", "--release", release, "--to", to, "-e", "1X=y"), "--env 1X");
    refused(List.of("build", "--release", release, "--to", to, "--user", "app:app"), "numeric users");
    refused(List.of("build", "--release", release, "--to", to, "-l", "novalue"), "--label novalue");
    refused(List.of("build", "--release", release, "--to", to, "--app-root", "/"), "--app-root /");
    refused(List.of("build", "--release", release, "--to", to, "-t", "-bad"), "tag -bad");
    refused(List.of("build", "--release", release, "--to", "Upper/Case"), "--to Upper/Case");
    refused(List.of("build", "--release", release, "--to", to + "@sha256:" + "a".repeat(64)), "names a digest");
    refused(List.of("build", "--release", release, "--to", "tar:" + work.resolve("no/such/dir/x.tar")), "does not exist");
    refused(List.of("build", "--release", release, "--to", to, "--digest-file",
        work.resolve("nowhere/digest").toString()), "--digest-file");
    refused(List.of("build", "--release", release, "--to", to, "--registry-ca",
        work.resolve("missing.pem").toString()), "missing.pem");
    refused(List.of("build", "--release", release, "--to", to, "--app", "nope"), "--app nope");
    refused(List.of("build", "--release", work.resolve("absent").toString(), "--to", to), "release not found");
    refused(List.of("build", "--to", to), "--release PATH");
    refused(List.of("build", "--release", release), "--to");
    refused(List.of("build", "--release", release, "--to", to, "--frm", "x"), "--frm");
    // outputs and the cache that cannot be written: refused before the release is read
    refused(List.of("build", "--release", release, "--to", "tar:/sys/relpack.tar"),
        "cannot write in /sys");
    refused(List.of("build", "--release", release, "--to", "oci:/sys/relpack"), "cannot write in /sys");
    refused(List.of("build", "--release", release, "--to", to, "--metadata", "/sys/m.json"),
        "--metadata /sys/m.json: cannot write in /sys");
    refused(List.of("build", "--release", release, "--to", to, "--cache-dir", "/sys/relpack"),
        "the cache directory /sys/relpack cannot be written");
    assertFalse(Files.exists(work.resolve("no")));
  }

  @Test
  void aBadTarballLeavesNoFileOutsideTheCache() throws Exception {
    Path home = work.resolve("home-escape");
    refused(List.of("build", "--release", Testdata.bad("dotdot.tar.gz").toString(),
        "--to", "tar:" + work.resolve("out.tar")), "contains '..'", home);
    assertFalse(Files.exists(work.resolve("out.tar")));
    List<Path> written;
    try (Stream<Path> all = Files.walk(work.resolve(home))) {
      written = all.filter(Files::isRegularFile).toList();
    }
    assertEquals(List.of(), written, "nothing left, not even in the cache");
    assertFalse(Files.exists(home.resolve(".cache/escaped")));
  }

  private static void refused(List<String> args, String mention) {
    refused(args, mention, work.resolve("home"));
  }

  private static void refused(List<String> args, String mention, Path home) {
    refused(args, mention, home, 2);
  }

  /**
   * Runs relpack and checks it failed with {@code exit}, one error line mentioning
   * {@code mention}, no stack trace and nothing on stdout.
   */
  static void refused(List<String> args, String mention, Path home, int exit) {
    Command.Result result = new Relpack(home).run(new ArrayList<>(args));
    assertEquals(exit, result.exitCode(), args + "\n" + result.stderr());
    // the error is one line; before it, at most the step lines of work already started
    List<String> errors = result.stderr().lines().filter(l -> l.startsWith("relpack: ")).toList();
    assertEquals(1, errors.size(), "one error line: " + result.stderr());
    assertTrue(errors.get(0).contains(mention), "should mention " + mention + ": " + errors.get(0));
    assertTrue(result.stderr().lines().allMatch(l -> l.startsWith("relpack: ")
        || l.startsWith("Reading release ") || l.startsWith("Release ")
        || l.startsWith("Preparing base ")), result.stderr());
    assertFalse(result.stderr().contains("Exception"), result.stderr());
    assertFalse(result.stderr().contains("\tat "), result.stderr());
    assertEquals("", result.stdout());
  }
}
