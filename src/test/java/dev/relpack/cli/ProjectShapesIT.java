package dev.relpack.cli;

import static dev.relpack.cli.BuildToRegistryIT.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.RunningImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code build --project-dir} on the shapes mix projects take, made with the machine's mix: an
 * umbrella, a release configured with its own {@code :path}, a project with several releases.
 */
class ProjectShapesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path work;

  private Relpack relpack() {
    return new Relpack(work.resolve("home"));
  }

  @Test
  void anUmbrellasChildrenAreItsOwnAppsAndTheReleaseStepIsTimed() throws Exception {
    Path shop = umbrella(work.resolve("umbrella"));
    Path layout = work.resolve("umbrella-layout");
    Path metadata = work.resolve("umbrella.json");
    Command.Result built = relpack().succeed("build", "--project-dir", shop.toString(),
        "--to", "oci:" + layout + ":1", "--metadata", metadata.toString(), "--progress", "plain");

    JsonNode meta = JSON.readTree(metadata.toFile());
    assertEquals("shop", meta.path("release").path("name").asText());
    // no third-party deps: the children are not in a deps layer but in the app layer, alone
    assertEquals(List.of("base", "host", "erts", "otp", "app", "release"),
        strings(meta.path("layers").findValues("name")));
    assertEquals(new TreeSet<>(List.of("store-0.1.0", "web-0.1.0")),
        libDirs(layout, layerDigest(meta, "app")));
    assertFalse(libDirs(layout, layerDigest(meta, "otp")).stream()
        .anyMatch(d -> d.startsWith("store-") || d.startsWith("web-")), "children are not OTP");

    double step = meta.path("releaseStepSeconds").asDouble();
    assertTrue(step > 0 && step <= meta.path("seconds").asDouble(), meta.toString());
    String summary = built.stdout().lines().filter(l -> l.contains(" layers, ")).findFirst()
        .orElseThrow();
    assertTrue(summary.matches(".*; \\d+\\.\\d s \\(release step \\d+\\.\\d s\\)"), summary);

    // inspect finds the same release without running mix, and the same own apps
    JsonNode inspected = JSON.readTree(relpack().succeed("inspect", "--project-dir",
        shop.toString(), "--json").stdout());
    JsonNode app = inspected.path("layers").findParents("name").stream()
        .filter(l -> l.path("name").asText().equals("app")).findFirst().orElseThrow();
    assertEquals(List.of("store-0.1.0", "web-0.1.0"), strings(app.path("apps")));
  }

  @Test
  void aReleaseWithItsOwnPathIsTheOneMixSaysItMade() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("pathed"));
    project.changeOneModule("made-at-its-own-path");
    Path mixExs = project.dir().resolve("mix.exs");
    Files.writeString(mixExs, Files.readString(mixExs).replace("steps: [:assemble, :tar]",
        "steps: [:assemble], path: \"../shipped/demo\""));
    Path layout = work.resolve("pathed-layout");
    Path metadata = work.resolve("pathed.json");
    relpack().succeed("build", "--project-dir", project.dir().toString(), "--to",
        "oci:" + layout + ":run", "--metadata", metadata.toString(), "--progress", "none");
    assertTrue(Files.isDirectory(project.dir().resolve("../shipped/demo/bin")));
    assertFalse(Files.exists(project.dir().resolve("_build/prod/rel")), "mix wrote no other");
    try (RunningImage running = RunningImage.boot(layout, "run", work.resolve("pathed-run"))) {
      assertTrue(running.get("/version").contains("made-at-its-own-path"), "the image runs it");
    }

    // without mix's word, relpack says where it looked and how to name the release
    Command.Result inspect = relpack().run("inspect", "--project-dir", project.dir().toString());
    assertEquals(2, inspect.exitCode(), inspect.stderr());
    assertEquals("relpack: error: no release under " + project.dir().resolve("_build/prod/rel")
        + "; run `MIX_ENV=prod mix release` first, or give --release PATH (also for a release"
        + " configured with its own :path)", inspect.stderr().strip());
  }

  @Test
  void severalReleasesAreChosenByName() throws Exception {
    DemoProject project = DemoProject.copyTo(work.resolve("several"));
    Path mixExs = project.dir().resolve("mix.exs");
    Files.writeString(mixExs, Files.readString(mixExs).replace(
        "releases: [demo: [include_executables_for: [:unix], steps: [:assemble, :tar]]]",
        "releases: [demo: [include_executables_for: [:unix]],"
            + " edge: [include_executables_for: [:unix]]]"));
    Path layout = work.resolve("several-layout");
    Path metadata = work.resolve("several.json");
    Command.Result built = relpack().succeed("build", "--project-dir", project.dir().toString(),
        "--release-name", "edge", "--mix-env", "staging", "--to", "oci:" + layout,
        "--metadata", metadata.toString(), "--progress", "plain");
    assertTrue(built.stderr().contains("Running mix release --overwrite edge in "),
        built.stderr());
    assertEquals("edge", JSON.readTree(metadata.toFile()).path("release").path("name").asText());
    assertTrue(Files.isDirectory(project.dir().resolve("_build/staging/rel/edge")),
        "made in the MIX_ENV asked for");

    // a second release beside it: without a name, one line naming both
    Files.createDirectories(project.dir().resolve("_build/staging/rel/demo/bin"));
    Command.Result unnamed = relpack().env("MIX_ENV", "staging").run("build", "--project-dir",
        project.dir().toString(), "--no-release", "--to", "oci:" + work.resolve("unnamed"),
        "--progress", "none");
    assertEquals(2, unnamed.exitCode(), unnamed.stderr());
    assertEquals("relpack: error: " + project.dir().resolve("_build/staging/rel")
        + " holds several releases [demo, edge]; pass --release-name NAME to choose one",
        unnamed.stderr().strip());
    assertFalse(Files.exists(work.resolve("unnamed")), "nothing written");

    Command.Result named = relpack().run("inspect", "--project-dir", project.dir().toString(),
        "--mix-env", "staging", "--release-name", "edge", "--json");
    assertEquals(0, named.exitCode(), named.stderr());
    assertEquals("edge", JSON.readTree(named.stdout()).path("name").asText());
  }

  @Test
  void aRebar3ProjectIsMadeWithItsProfileAndItsAppIsItsOwn() throws Exception {
    Path dir = Files.createDirectories(work.resolve("rebar3"));
    Command.run(List.of("rebar3", "new", "release", "shop"), Map.of(), Duration.ofMinutes(2), dir)
        .requireSuccess();
    Path shop = dir.resolve("shop");
    Path layout = work.resolve("rebar3-layout");
    Path metadata = work.resolve("rebar3.json");
    Command.Result built = relpack().succeed("build", "--project-dir", shop.toString(),
        "--to", "oci:" + layout, "--metadata", metadata.toString(), "--progress", "plain");
    assertTrue(built.stderr().contains("Running rebar3 as prod release in "), built.stderr());
    JsonNode meta = JSON.readTree(metadata.toFile());
    assertEquals("shop", meta.path("release").path("name").asText());
    assertEquals(new TreeSet<>(List.of("shop-0.1.0")), libDirs(layout, layerDigest(meta, "app")));
    assertTrue(meta.path("releaseStepSeconds").asDouble() > 0, meta.toString());
  }

  /** {@code mix new --umbrella} with two children, web depending on store, and one release. */
  private static Path umbrella(Path dir) throws IOException {
    Files.createDirectories(dir);
    mix(dir, "new", "shop", "--umbrella");
    Path shop = dir.resolve("shop");
    mix(shop.resolve("apps"), "new", "store");
    mix(shop.resolve("apps"), "new", "web", "--sup");
    edit(shop.resolve("mix.exs"), "      deps: deps()\n", "      deps: deps(),\n"
        + "      releases: [shop: [applications: [store: :permanent, web: :permanent]]]\n");
    edit(shop.resolve("apps/web/mix.exs"), "  defp deps do\n    [",
        "  defp deps do\n    [{:store, in_umbrella: true}");
    return shop;
  }

  private static void mix(Path dir, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("mix"));
    command.addAll(List.of(args));
    Command.run(command, Map.of(), Duration.ofMinutes(2), dir).requireSuccess();
  }

  private static void edit(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " as mix new writes it");
    Files.writeString(file, text.replaceFirst(java.util.regex.Pattern.quote(from),
        java.util.regex.Matcher.quoteReplacement(to)));
  }

  private static String layerDigest(JsonNode metadata, String name) {
    return metadata.path("layers").findParents("name").stream()
        .filter(l -> l.path("name").asText().equals(name)).findFirst().orElseThrow()
        .path("digest").asText();
  }

  /** The directories right under the release's lib/ in one layer of an OCI layout. */
  private static TreeSet<String> libDirs(Path layout, String digest) throws IOException {
    TreeSet<String> dirs = new TreeSet<>();
    Path blob = layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    try (InputStream in = new GZIPInputStream(Files.newInputStream(blob));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
        if (name.startsWith("app/lib/")) {
          dirs.add(name.substring("app/lib/".length()).split("/")[0]);
        }
      }
    }
    dirs.remove("");
    return dirs;
  }
}
