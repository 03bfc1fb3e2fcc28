package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inputs made to exfiltrate the build machine's files through the image (testdata/hostile): a
 * release naming /etc/shadow or /proc as its ELF loader, #! interpreter or application, bases
 * whose manifests or blobs point outside their archive. Each is refused, naming the input, with
 * nothing pushed; where an image is built, it holds no file of the machine it should not.
 */
class HostileInputIT {
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
  }

  @ParameterizedTest
  @CsvSource({
      "interp-shadow.tar.gz, names /etc/shadow as its ELF loader",
      "interp-environ.tar.gz, names /proc/self/environ as its ELF loader",
      "interp-dotdot.tar.gz, names /lib64/../etc/shadow as its ELF loader",
      "shebang-shadow.tar.gz, lib/evil-1.0/priv/run has the #! interpreter /etc/shadow",
      "shebang-dotdot.tar.gz, has the #! interpreter /usr/bin/../../etc/shadow",
      "shebang-env-dotdot.tar.gz, has the #! interpreter ../../etc/shadow",
      "shebang-env-environ.tar.gz, has the #! interpreter /proc/self/environ",
      "shebang-relative.tar.gz, has the #! interpreter ../../etc/shadow",
      "rel-app-dotdot.tar.gz, releases/0.1.0/tiny.rel lists application \"kernel\" version \"../../../../../../etc\"",
      "name-too-long.tar.gz, has a name longer than 255 bytes",
      "path-too-long.tar.gz, has a path longer than 2048 bytes",
      "dir-then-file.tar.gz, entry lib/x appears both as a directory and as a file",
      "file-then-dir.tar.gz, entry lib/x/y is inside lib/x, which is a file"})
  void aReleaseCannotMakeTheHostBaseCopyAMachineFile(String fixture, String mention) {
    BadInputIT.refused(List.of("build", "--release", Testdata.hostile(fixture).toString(),
        "--to", registry.address() + "/hostile/x"), mention, work.resolve("home"), 2);
  }

  @Test
  void untrustedTextCannotPaintTheTerminalOrSplitTheErrorLine() {
    Command.Result result = new Relpack(work.resolve("home")).run(List.of("build", "--release",
        Testdata.hostile("rel-name-escapes.tar.gz").toString(), "--to",
        registry.address() + "/hostile/e"));
    assertEquals(2, result.exitCode(), result.stderr());
    assertFalse(result.stderr().contains("\u001b") || result.stderr().contains("\r"),
        "raw escapes reached the terminal: " + result.stderr());
    List<String> errors = result.stderr().lines().filter(l -> l.startsWith("relpack: ")).toList();
    assertEquals(1, errors.size(), result.stderr());
    assertTrue(errors.get(0).contains("tiny\\r\\x1b[32mBuilt") && errors.get(0).contains(
        "\\nsecond line"), errors.get(0));
    assertFalse(result.stderr().lines().anyMatch(l -> l.startsWith("second line")));
  }

  @ParameterizedTest
  @CsvSource({
      "tar:, base-layer-dotdot.tar, names layer ../../../../../../../../etc/passwd",
      "tar:, base-layer-absolute.tar, names layer /etc/passwd, which is not a file in the archive",
      "tar:, base-layer-symlink.tar, link layer.tar -> /etc/passwd leads outside the archive",
      "tar:, base-layer-symlink-dotdot.tar, link x/layer.tar -> ../../../../../../etc/passwd leads outside",
      "oci:, base-oci-symlink-blob:1, is a link to /etc/passwd, outside the layout"})
  void aBaseCannotNameAMachineFileAsALayer(String kind, String fixture, String mention) {
    BadInputIT.refused(List.of("build", "--release", Testdata.demoTarball().toString(),
        "--from", kind + Testdata.hostile(fixture), "--to", registry.address() + "/hostile/y"),
        mention, work.resolve("home"), 2);
  }

  @Test
  void aLibraryNamedByPathUnderProcIsNotOnTheMachineAsFarAsTheHostBaseGoes() throws Exception {
    String release = Testdata.hostile("needed-proc.tar.gz").toString();
    Command.Result refused = new Relpack(work.resolve("home")).run(List.of("build", "--release",
        release, "--to", registry.address() + "/h/z", "--progress", "none"));
    assertEquals(3, refused.exitCode(), refused.stderr());
    assertEquals(List.of("relpack: error: the release will not run on host (1 problem):",
        "  /proc/self/exe: needed by lib/crypto-5.1.2/priv/lib/otp_test_engine.so; install the"
            + " package that provides it on this machine"), refused.stderr().lines().toList());

    // with the check off the image is built: scan every layer for files of the machine
    Path out = work.resolve("needed-proc");
    Command.Result built = new Relpack(work.resolve("home")).run(List.of("build", "--release",
        release, "--to", "oci:" + out, "--no-check"));
    built.requireSuccess();
    assertTrue(built.stderr().contains("warning: the boot check is off"), built.stderr());
    List<String> paths = layerPaths(out);
    assertTrue(paths.contains("app/erts-13.1.5/bin/heart"), paths.toString());
    for (String path : paths) {
      assertFalse(path.startsWith("proc/") || path.startsWith("sys/") || path.startsWith("dev/")
          || path.startsWith("run/") || path.contains("/jvm/") || path.startsWith("root/")
          || path.startsWith("home/"), "a machine file in the image: " + path);
      // what the host base writes: accounts, and what scanners read to name the OS
      assertTrue(!path.startsWith("etc/") || List.of("etc/", "etc/passwd", "etc/group",
          "etc/nsswitch.conf", "etc/os-release", "etc/debian_version", "etc/lsb-release",
          "etc/alpine-release").contains(path) || path.startsWith("etc/ssl/")
          || path.startsWith("etc/alternatives/"), "an /etc file in the image: " + path);
    }
  }

  /** Every path in every layer of the only image of an OCI layout. */
  private static List<String> layerPaths(Path layout) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(layout.resolve("index.json").toFile());
    JsonNode manifest = json.readTree(blob(layout, index.path("manifests").path(0).path("digest").asText()).toFile());
    List<String> paths = new ArrayList<>();
    for (JsonNode layer : manifest.path("layers")) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(blob(layout, layer.path("digest").asText())));
          TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
          paths.add(e.getName().replaceFirst("^\\./", "").replaceFirst("^/", ""));
        }
      }
    }
    return paths;
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }
}
