package dev.relpack.cli;

import static dev.relpack.cli.BuildToRegistryIT.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * distillery, exrm, relx and mix umbrella layouts (hand-made, with stub binaries, so built
 * --from scratch): the entrypoint runs each in the foreground, the environment redirects what each
 * writes at run time to /tmp, files are root-owned with exec bits kept, and leftovers stay out.
 */
class ReleaseKindsIT {
  @TempDir Path work;

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "distillery   | shop     | foreground | RELEASE_MUTABLE_DIR=/tmp/shop   | var",
      "exrm         | legacy   | foreground | RELEASE_MUTABLE_DIR=/tmp/legacy | log",
      "relx         | api      | foreground | RELX_OUT_FILE_PATH=/tmp         | api-3.1.0.tar.gz",
      "mix-umbrella | platform | start      | RELEASE_TMP=/tmp                | tmp"})
  void eachKindGetsItsStartCommandAndEnvironment(String fixture, String name, String command,
      String env, String leftover) throws Exception {
    Path layout = work.resolve("layout");
    new Relpack(work.resolve("home")).succeed("build", "--release", Testdata.kind(fixture).toString(),
        "--from", "scratch", "--no-check", "--to", "oci:" + layout + ":img", "--user", "1000:1000");
    JsonNode config = Skopeo.config("oci:" + layout + ":img").path("config");
    assertEquals(List.of("/app/bin/" + name), strings(config.path("Entrypoint")));
    assertEquals(List.of(command), strings(config.path("Cmd")));
    assertTrue(strings(config.path("Env")).contains(env), config.path("Env").toString());
    assertEquals("1000:1000", config.path("User").asText());

    Path bundle = work.resolve("bundle");
    Command.run(List.of("umoci", "unpack", "--image", layout + ":img", bundle.toString()), Map.of(),
        Duration.ofMinutes(1)).requireSuccess();
    Path app = bundle.resolve("rootfs/app");
    assertFalse(Files.exists(app.resolve(leftover)), leftover + " must not be in the image");
    PosixFileAttributes script = Files.readAttributes(app.resolve("bin/" + name), PosixFileAttributes.class);
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(script.permissions()));
    assertEquals("root", script.owner().getName());
    Path startErl = app.resolve("releases/start_erl.data");
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(startErl)));
  }
}
