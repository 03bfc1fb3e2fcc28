package dev.relpack.testsupport;

import static dev.relpack.testsupport.TestBases.CRYPTO_LIBRARY;
import static dev.relpack.testsupport.TestBases.ERTS_LIBRARY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relpack.testsupport.TestBases.Name;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The test bases are what the boot check tests take them for (named so that surefire, which
 * takes Test* classes for unit tests, leaves this one to failsafe), seen by tools that are not
 * relpack: umoci unpacks them, skopeo reads and copies them, and each glibc base's own loader
 * ({@code ld-linux --list}, run inside the unpacked base with bubblewrap) says which of the demo
 * release's libraries it finds. So a boot check test that fails is relpack's fault, not the
 * fixture's.
 */
class AssembledBasesIT {
  private static final String CRYPTO_NIF = "lib/crypto-5.1.2/priv/lib/crypto.so";
  private static final String BEAM = "erts-13.1.5/bin/beam.smp";
  private static final Pattern LOAD_ERROR =
      Pattern.compile("error while loading shared libraries: (\\S+): cannot open");
  @TempDir static Path work;
  static TestBases bases;
  static RegistryServer registry;

  @BeforeAll
  static void setUp() throws IOException {
    bases = new TestBases(work.resolve("bases"), TestBases.unpackDemo(work.resolve("release")));
    registry = RegistryServer.start(work.resolve("registry"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @ParameterizedTest
  @EnumSource(Name.class)
  void everyBaseIsALinuxAmd64ImageWithThePathOfTheIssue(Name name) throws IOException {
    JsonNode config = Skopeo.config(bases.get(name).oci());
    assertEquals("amd64", config.path("architecture").asText());
    assertEquals("linux", config.path("os").asText());
    assertEquals("[\"" + TestBases.PATH + "\"]", config.path("config").path("Env").toString());
  }

  @Test
  void theCompleteBaseHoldsTheLoaderTheLibrariesBusyboxAndTheSystemFiles() throws IOException {
    Path root = unpack(Name.COMPLETE);
    assertEquals("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        Files.readSymbolicLink(root.resolve("lib64/ld-linux-x86-64.so.2")).toString(),
        "Debian's absolute link, to be resolved inside the image");
    assertTrue(Files.isRegularFile(root.resolve("lib/x86_64-linux-gnu/" + CRYPTO_LIBRARY), LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.isSymbolicLink(root.resolve("lib/x86_64-linux-gnu/" + ERTS_LIBRARY)));
    assertEquals("busybox", Files.readSymbolicLink(root.resolve("bin/sh")).toString());
    assertEquals(01777, (int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777,
        "/tmp is writable by all, sticky");
    assertTrue(Files.readString(root.resolve("etc/os-release")).contains("ID=debian"));
    assertTrue(Files.readString(root.resolve("etc/passwd")).contains(":65534:"));
    List<String> missing = loaderMisses(root);
    assertEquals(List.of(), missing);
  }

  @Test
  void theBasesWithoutALibraryMissExactlyThatOneForTheirOwnLoader() throws IOException {
    assertEquals(List.of(CRYPTO_NIF + ": " + CRYPTO_LIBRARY), cryptoOnly(loaderMisses(unpack(Name.NO_CRYPTO_LIBRARY))));
    assertEquals(List.of(BEAM + ": " + ERTS_LIBRARY), loaderMisses(unpack(Name.NO_ERTS_LIBRARY)));
    assertEquals(List.of(CRYPTO_NIF + ": " + CRYPTO_LIBRARY), cryptoOnly(loaderMisses(unpack(Name.CRYPTO_WHITED_OUT))));
    assertEquals(List.of(CRYPTO_NIF + ": " + CRYPTO_LIBRARY), cryptoOnly(loaderMisses(unpack(Name.CRYPTO_HIDDEN_BY_OPAQUE))));
    assertEquals(List.of(), loaderMisses(unpack(Name.MERGED_USR)));
    assertEquals(List.of(), loaderMisses(unpack(Name.NO_SHELL)));
  }

  @Test
  void theUpperLayerOfTheWhiteoutAndOpaqueBasesHoldsTheMarker() throws IOException {
    assertEquals(List.of("lib/", "lib/x86_64-linux-gnu/", "lib/x86_64-linux-gnu/.wh." + CRYPTO_LIBRARY),
        layerNames(Name.CRYPTO_WHITED_OUT, 1));
    List<String> opaque = layerNames(Name.CRYPTO_HIDDEN_BY_OPAQUE, 1);
    assertTrue(opaque.contains("lib/x86_64-linux-gnu/.wh..wh..opq"), opaque.toString());
    assertTrue(opaque.contains("lib/x86_64-linux-gnu/libc.so.6"), opaque.toString());
    assertFalse(opaque.contains("lib/x86_64-linux-gnu/" + CRYPTO_LIBRARY), opaque.toString());
  }

  @Test
  void theMergedUsrBaseReachesEverythingThroughItsLinks() throws IOException {
    Path root = unpack(Name.MERGED_USR);
    assertEquals("usr/lib", Files.readSymbolicLink(root.resolve("lib")).toString());
    assertEquals("usr/lib64", Files.readSymbolicLink(root.resolve("lib64")).toString());
    assertEquals("usr/bin", Files.readSymbolicLink(root.resolve("bin")).toString());
    assertTrue(Files.isRegularFile(root.resolve("usr/lib/x86_64-linux-gnu/libc.so.6"), LinkOption.NOFOLLOW_LINKS));
    assertEquals(Files.getAttribute(root.resolve("usr/bin/busybox"), "unix:ino"),
        Files.getAttribute(root.resolve("usr/bin/sh"), "unix:ino"), "sh is a hard link to busybox");
  }

  @Test
  void theMuslBaseHasMuslsLoaderAndNoGlibc() throws IOException {
    Path root = unpack(Name.MUSL);
    assertEquals("x86_64-linux-musl/libc.so", Files.readSymbolicLink(root.resolve("lib/ld-musl-x86_64.so.1")).toString());
    assertFalse(Files.exists(root.resolve("lib64"), LinkOption.NOFOLLOW_LINKS));
    try (Stream<Path> all = Files.walk(root)) {
      assertEquals(List.of(), all.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("libc.so.6") || n.startsWith("ld-linux")).toList());
    }
    Command.Result sh = bwrap(root, List.of("/bin/sh", "-c", "echo musl base"));
    assertEquals("musl base\n", sh.requireSuccess().stdout());
  }

  @Test
  void theBaseWithoutShellHasBusyboxButNoSh() throws IOException {
    Path root = unpack(Name.NO_SHELL);
    assertTrue(Files.isRegularFile(root.resolve("bin/busybox")));
    assertTrue(Files.isSymbolicLink(root.resolve("bin/sed")));
    assertFalse(Files.exists(root.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void theErlangBasesHoldThisMachinesErlangOnceWithStdlibAtAnotherVersion() throws IOException {
    String stdlib = TestBases.applicationDirectory("stdlib");
    Path root = unpack(Name.ERLANG);
    assertEquals("../lib/erlang/bin/erl", Files.readSymbolicLink(root.resolve("usr/bin/erl")).toString());
    assertTrue(Files.isDirectory(root.resolve("usr/lib/erlang/lib/" + stdlib + "/ebin")));
    Command.Result erl = bwrap(root, List.of("/usr/bin/erl", "-noshell", "-eval",
        "io:format(\"~s~n\", [erlang:system_info(otp_release)]), halt()."));
    assertEquals("25\n", erl.requireSuccess().stdout(), "the base's Erlang runs in the base");

    Path other = unpack(Name.ERLANG_OTHER_STDLIB);
    assertFalse(Files.exists(other.resolve("usr/lib/erlang/lib/" + stdlib)));
    assertTrue(Files.isDirectory(other.resolve("usr/lib/erlang/lib/stdlib-" + TestBases.otherVersion("stdlib") + "/ebin")));
    assertFalse(TestBases.otherVersion("stdlib").equals(TestBases.machineVersion("stdlib")));
  }

  @Test
  void aBaseCanBeGivenAsARegistryImageAndADockerArchive() throws IOException {
    TestBase base = bases.get(Name.CRYPTO_WHITED_OUT);
    JsonNode fromLayout = Skopeo.inspect(base.oci());
    String pushed = base.pushedTo(registry);
    assertEquals(fromLayout.path("Layers"), Skopeo.inspect("docker://" + pushed).path("Layers"));
    JsonNode archived = Skopeo.inspect("docker-archive:" + base.tar().substring("tar:".length()));
    assertEquals(2, archived.path("Layers").size());
    assertEquals("amd64", archived.path("Architecture").asText());
  }

  private static Path unpack(Name name) throws IOException {
    Path bundle = work.resolve("unpacked-" + name.shortName());
    if (!Files.exists(bundle)) {
      TestBase base = bases.get(name);
      Command.run(List.of("umoci", "unpack", "--image", base.layout() + ":" + base.ref(), bundle.toString()),
          Map.of(), Duration.ofMinutes(2)).requireSuccess();
    }
    return bundle.resolve("rootfs");
  }

  /** The names of the entries of one layer of a base, in order. */
  private static List<String> layerNames(Name name, int layer) throws IOException {
    TestBase base = bases.get(name);
    String digest = Skopeo.manifest(base.oci()).path("layers").get(layer).path("digest").asText();
    Path blob = base.layout().resolve("blobs/sha256/" + digest.substring("sha256:".length()));
    String listing = Command.run(List.of("tar", "-tzf", blob.toString()), Map.of(), Duration.ofSeconds(30))
        .requireSuccess().stdout();
    return List.of(listing.split("\n"));
  }

  /**
   * "release file: library" for every library the base's own loader does not find for the demo
   * release's ERTS binaries and NIFs, the release laid under /app of the unpacked base.
   */
  private static List<String> loaderMisses(Path root) throws IOException {
    Path app = root.resolve("app");
    if (!Files.exists(app)) {
      TestBases.unpackDemo(app);
    }
    List<String> misses = new ArrayList<>();
    try (Stream<Path> all = Files.walk(app)) {
      for (Path elf : all.filter(Files::isRegularFile).toList()) {
        String rel = app.relativize(elf).toString();
        if (!(rel.matches("erts-[^/]+/bin/(beam.smp|erlexec|epmd|erl_child_setup|inet_gethost|heart)")
            || rel.matches("lib/[^/]+/priv/.*\\.so"))) {
          continue;
        }
        Command.Result list = bwrap(root, List.of("/lib64/ld-linux-x86-64.so.2", "--list", "/app/" + rel));
        // an executable is listed with "=> not found"; a shared object the loader cannot map
        // ends in "error while loading shared libraries: NAME: cannot open ..."
        Matcher refused = LOAD_ERROR.matcher(list.stderr());
        if (refused.find()) {
          misses.add(rel + ": " + refused.group(1));
          continue;
        }
        assertTrue(list.stdout().contains("libc.so.6"), "the loader listed " + rel + ": " + list);
        for (String line : list.stdout().split("\n")) {
          if (line.contains("not found")) {
            misses.add(rel + ": " + line.strip().split("\\s")[0]);
          }
        }
      }
    }
    return misses.stream().sorted().toList();
  }

  /** The misses of the crypto NIF only (its test engine needs the same library). */
  private static List<String> cryptoOnly(List<String> misses) {
    assertTrue(misses.stream().allMatch(m -> m.startsWith("lib/crypto-")), misses.toString());
    return misses.stream().filter(m -> m.startsWith(CRYPTO_NIF)).toList();
  }

  private static Command.Result bwrap(Path root, List<String> command) throws IOException {
    for (String mountPoint : List.of("proc", "dev", "tmp")) {
      Files.createDirectories(root.resolve(mountPoint)); // bwrap cannot create them in a read-only root
    }
    List<String> full = new ArrayList<>(List.of("bwrap", "--ro-bind", root.toString(), "/",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--unshare-all", "--die-with-parent",
        "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin"));
    full.addAll(command);
    return Command.run(full, Map.of(), Duration.ofMinutes(1));
  }
}
