package dev.relpack.sbom;

import dev.relpack.base.OsInventory;
import dev.relpack.base.OsInventory.OsPackage;
import dev.relpack.base.OsInventory.OsRelease;
import dev.relpack.base.OsInventory.PackageKind;
import dev.relpack.layers.AppRoles;
import dev.relpack.layers.LayerPlanner;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.release.ReleaseFile;
import dev.relpack.release.ReleaseKind;
import dev.relpack.testsupport.Testdata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small release made in a test's directory: OTP's kernel and crypto (with a NIF), a Hex
 * dependency, a Hex package of an organisation named apart from its app, a dependency whose
 * lock is stale, and the project's own app with a NIF; its mix project with mix.lock and one
 * hex_metadata.config; and a Debian base's inventory.
 */
final class SbomFixture {
  static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  static final String OTHER_DIGEST =
      "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

  /** A line of mix.lock as mix 1.14 writes it. */
  static String lockLine(String app, String pkg, String version, String repo) {
    return "  \"" + app + "\": {:hex, :" + pkg + ", \"" + version + "\", \""
        + "a".repeat(64) + "\", [:mix], [{:decimal, \"~> 1.0 or ~> 2.0\", [hex: :decimal, repo:"
        + " \"hexpm\", optional: true]}], \"" + repo + "\", \"" + "b".repeat(64) + "\"},\n";
  }

  static Path project(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("deps/jason"));
    Files.writeString(dir.resolve("mix.exs"), "defmodule Shop.MixProject do\n"
        + "  def project, do: [app: :shop, version: \"1.0.0\"]\nend\n");
    Files.writeString(dir.resolve("mix.lock"), "%{\n"
        + lockLine("jason", "jason", "1.4.1", "hexpm")
        + lockLine("sauce", "secret_sauce", "2.0.0", "hexpm:acme")
        + lockLine("stale", "stale", "0.9.0", "hexpm")
        + "  \"tool\": {:git, \"https://git.example.com/tool.git\", \"0123abc\", []},\n"
        + "}\n");
    // a description Hex writes as a /utf8 binary, which the licences are read apart from
    Files.writeString(dir.resolve("deps/jason/hex_metadata.config"),
        "{<<\"app\">>,<<\"jason\">>}.\n{<<\"description\">>,<<\"caf\\303\\251\"/utf8>>}.\n"
            + "{<<\"licenses\">>,[<<\"Apache-2.0\">>]}.\n{<<\"version\">>,<<\"1.4.1\">>}.\n");
    return dir;
  }

  static Release release(Path dir) throws IOException {
    Path so = Testdata.root().resolve("elf/needs-missing-lib.so");
    List<ReleaseFile> files = new ArrayList<>();
    files.add(file(dir, "bin/shop", "#!/bin/sh\n", true));
    files.add(file(dir, "erts-13.1.5/bin/beam.smp", so));
    files.add(file(dir, "lib/crypto-5.1.2/ebin/crypto.app", "{application,crypto,[]}.\n", false));
    files.add(file(dir, "lib/crypto-5.1.2/priv/lib/crypto.so", so));
    files.add(file(dir, "lib/jason-1.4.1/ebin/jason.app", "{application,jason,[]}.\n", false));
    files.add(file(dir, "lib/kernel-8.5.3/ebin/kernel.app", "{application,kernel,[]}.\n", false));
    files.add(file(dir, "lib/sauce-2.0.0/ebin/sauce.app", "{application,sauce,[]}.\n", false));
    files.add(file(dir, "lib/shop-1.0.0/ebin/shop.app", "{application,shop,[]}.\n", false));
    // ELF bytes under a module's name: no loader maps a .beam, so it is not native code
    ReleaseFile elfBytes = file(dir, "lib/shop-1.0.0/ebin/Elixir.Shop.Nif.beam", so);
    files.add(new ReleaseFile(elfBytes.path(), elfBytes.source(), false, false));
    files.add(file(dir, "lib/shop-1.0.0/priv/shop_nif.so", so));
    files.add(file(dir, "lib/stale-1.0.0/ebin/stale.app", "{application,stale,[]}.\n", false));
    files.add(file(dir, "lib/tool-0.3.0/ebin/tool.app", "{application,tool,[]}.\n", false));
    files.add(file(dir, "releases/1.0.0/shop.rel", "{release,{\"shop\",\"1.0.0\"}}.\n", false));
    return new Release("shop", "1.0.0", "13.1.5", ReleaseKind.MIX, true,
        List.of(new ReleaseApp("kernel", "8.5.3"), new ReleaseApp("crypto", "5.1.2"),
            new ReleaseApp("jason", "1.4.1"), new ReleaseApp("sauce", "2.0.0"),
            new ReleaseApp("stale", "1.0.0"), new ReleaseApp("tool", "0.3.0", false),
            new ReleaseApp("shop", "1.0.0")),
        files);
  }

  /** The fixture's release and project in {@code work/release} and {@code work/project}. */
  static ImageContents contents(Path work) throws IOException {
    return contents(work, file -> Optional.empty());
  }

  /** As {@link #contents(Path)}, with these digests known without reading the files. */
  static ImageContents contents(Path work, ImageContents.KnownDigests known) throws IOException {
    Release release = release(Files.createDirectories(work.resolve("release")));
    Path project = project(Files.createDirectories(work.resolve("project")));
    return new ImageContents(release,
        LayerPlanner.plan(release, new AppRoles(Set.of("shop"), Set.of("jason", "sauce", "stale"))),
        HexPackages.read(project), "/app", known);
  }

  static SbomBase debianBase() {
    return new SbomBase("debian:12-slim", Optional.of(OTHER_DIGEST),
        Optional.of("registry-1.docker.io/library/debian"),
        new OsInventory(Optional.of(new OsRelease("debian", Optional.of("12"),
            Optional.of("Debian GNU/Linux 12 (bookworm)"))),
            List.of(new OsPackage(PackageKind.DPKG, "libc6", "2.36-9+deb12u4", "amd64",
                    Optional.of("glibc"), Optional.empty()),
                new OsPackage(PackageKind.DPKG, "libssl3", "3.0.11-1~deb12u2", "amd64",
                    Optional.of("openssl"), Optional.empty())),
            List.of("/usr/lib/x86_64-linux-gnu/libhand.so.1")));
  }

  static Map<String, String> noDates() {
    return Map.of();
  }

  private static ReleaseFile file(Path dir, String path, String text, boolean executable)
      throws IOException {
    Path target = dir.resolve(path);
    Files.createDirectories(target.getParent());
    Files.writeString(target, text);
    return new ReleaseFile(path, target, false, executable);
  }

  private static ReleaseFile file(Path dir, String path, Path copyOf) throws IOException {
    Path target = dir.resolve(path);
    Files.createDirectories(target.getParent());
    Files.copy(copyOf, target);
    return new ReleaseFile(path, target, false, true);
  }

  private SbomFixture() {}
}
