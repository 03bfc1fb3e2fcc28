package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import dev.relpack.testsupport.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File names are UTF-8 bytes; the locale relpack runs under must not change or break the image. */
class NonAsciiNamesIT {
  @TempDir Path work;

  @Test
  void aCLocaleGivesTheSameImageAsAUtf8One() throws Exception {
    Path release = Trees.copy(Testdata.kind("relx"), work.resolve("api"));
    Files.writeString(release.resolve("lib/api-3.1.0/priv/static/café-ünïcode.txt"), "x");
    String utf8 = digest(new Relpack(work.resolve("h1")).env("LANG", "C.UTF-8").env("LC_ALL", "C.UTF-8"),
        release, "a");
    String c = digest(new Relpack(work.resolve("h2")).env("LANG", "C").env("LC_ALL", "C"), release, "b");
    assertEquals(utf8, c);

    Command.Result inProcess = new Relpack(work.resolve("h3")).env("LANG", "C").env("LC_ALL", "C")
        .env("RELPACK_NO_RELAUNCH", "1").run("build", "--release", release.toString(),
            "--from", "scratch", "--to", "oci:" + work.resolve("c"));
    assertEquals(2, inProcess.exitCode(), inProcess.stderr());
    assertTrue(inProcess.stderr().contains("run with LANG=C.UTF-8"), inProcess.stderr());
  }

  private String digest(Relpack relpack, Path release, String name) throws Exception {
    Path file = work.resolve("digest-" + name);
    relpack.succeed("build", "--release", release.toString(), "--from", "scratch", "--no-check",
        "--to", "oci:" + work.resolve(name), "--digest-file", file.toString());
    return Files.readString(file);
  }
}
