package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same release content and options give the same digest: from the tarball or an unpacked copy
 * at another path with other mtimes, unpacked under another umask, built under another locale and
 * time zone, with another cache, into a layout or a registry.
 */
class ReproducibilityIT {
  @TempDir Path work;

  @Test
  void sameContentSameDigestWhateverThePathMtimesUmaskLocaleZoneCacheOrTarget() throws Exception {
    Path copy = work.resolve("some/other/place/demo");
    Files.createDirectories(copy);
    Command.run(List.of("sh", "-c", "umask 027 && tar -xzf \"$0\" -C \"$1\""
            + " && find \"$1\" -exec touch -d '2031-02-03 04:05:06' {} +",
            Testdata.demoTarball().toString(), copy.toString()), Map.of(), Duration.ofMinutes(1))
        .requireSuccess();

    String fromTarball = digest(new Relpack(work.resolve("home-a")),
        Testdata.demoTarball(), "oci:" + work.resolve("a"));
    String fromCopy = digest(new Relpack(work.resolve("home-b"))
            .env("LANG", "de_DE.ISO-8859-1").env("LC_ALL", "tr_TR.UTF-8").env("TZ", "Pacific/Chatham"),
        copy, "oci:" + work.resolve("b"));
    assertEquals(fromTarball, fromCopy);

    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      String pushed = digest(new Relpack(work.resolve("home-a")), Testdata.demoTarball(),
          registry.address() + "/repro/demo:1");
      assertEquals(fromTarball, pushed, "a layout holds exactly what a push sends");
    }
  }

  @Test
  void docker_archivesAreReproducibleToo() throws Exception {
    String first = digest(new Relpack(work.resolve("home-a")), Testdata.demoTarball(),
        "tar:" + work.resolve("one.tar"));
    String second = digest(new Relpack(work.resolve("home-b")), Testdata.kind("..").resolve("releases/demo-0.1.0.tar.gz").normalize(),
        "tar:" + work.resolve("two.tar"));
    assertEquals(first, second);
    assertEquals(Files.size(work.resolve("one.tar")), Files.size(work.resolve("two.tar")));
  }

  private String digest(Relpack relpack, Path release, String target) throws Exception {
    Path digestFile = work.resolve("digest-" + System.nanoTime());
    List<String> args = new ArrayList<>(List.of("build", "--release", release.toString(),
        "--from", "host", "--to", target, "--digest-file", digestFile.toString()));
    relpack.succeed(args.toArray(String[]::new));
    return Files.readString(digestFile);
  }
}
