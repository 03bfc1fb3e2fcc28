package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.DemoProject;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cyclonedx.Version;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --sbom FILE} and {@code inspect --sbom} on the demo release and its project: every
 * application of its .rel, ERTS, the tool and the base, valid CycloneDX 1.5, the same bytes for
 * the same image, and bad input refused before any work.
 */
class SbomIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path work;

  private Relpack relpack() {
    return new Relpack(work.resolve("home"));
  }

  /** The demo's .rel as the tarball has it, read here with tar and a pattern, not by relpack. */
  private static Map<String, String> relApps() {
    String rel = Command.run(List.of("tar", "-xzOf", Testdata.demoTarball().toString(),
        "releases/0.1.0/demo.rel"), Map.of(), Duration.ofSeconds(30)).requireSuccess().stdout();
    Map<String, String> apps = new TreeMap<>();
    Matcher app = Pattern.compile("\\{([a-z_]+),\"([^\"]+)\",[a-z]+\\}").matcher(rel);
    while (app.find()) {
      apps.put(app.group(1), app.group(2));
    }
    return apps;
  }

  private Path build(Path project, String layout, String... more) throws Exception {
    Path sbom = work.resolve(layout + ".json");
    List<String> args = new java.util.ArrayList<>(List.of("build",
        "--release", Testdata.demoTarball().toString(), "--project-dir", project.toString(),
        "--to", "oci:" + work.resolve(layout) + ":demo", "--sbom", sbom.toString(),
        "--digest-file", work.resolve(layout + ".digest").toString()));
    args.addAll(List.of(more));
    relpack().run(args).requireSuccess();
    return sbom;
  }

  /** The release's applications and ERTS: not files, not the base, its OS or its packages. */
  private static Map<String, JsonNode> libraries(JsonNode bom) {
    Map<String, JsonNode> byName = new TreeMap<>();
    for (JsonNode component : bom.path("components")) {
      String type = component.path("type").asText();
      if (!type.equals("file") && !type.equals("container") && !type.equals("operating-system")
          && !component.path("purl").asText().startsWith("pkg:deb/")) {
        byName.put(component.path("name").asText(), component);
      }
    }
    return byName;
  }

  private static String property(JsonNode component, String name) {
    for (JsonNode property : component.path("properties")) {
      if (property.path("name").asText().equals(name)) {
        return property.path("value").asText();
      }
    }
    return null;
  }

  @Test
  void theDemoImagesSbomListsEveryApplicationErtsTheToolAndTheBaseTheSameEachTime()
      throws Exception {
    Path project = DemoProject.copyTo(work).dir();
    Path first = build(project, "one");
    Path second = build(project, "two");
    String digest = Files.readString(work.resolve("one.digest"));
    assertEquals(digest, Files.readString(work.resolve("two.digest")), "one image");
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second),
        "the same image, the same SBOM bytes");
    byte[] bytes = Files.readAllBytes(first);
    assertEquals(List.of(), new JsonParser().validate(bytes, Version.VERSION_15));

    JsonNode bom = JSON.readTree(bytes);
    assertEquals("demo", bom.path("metadata").path("component").path("name").asText());
    assertEquals("0.1.0", bom.path("metadata").path("component").path("version").asText());
    assertTrue(bom.path("metadata").path("timestamp").isMissingNode(), "no source date, no time");
    assertEquals(digest, bom.path("metadata").path("properties").path(0).path("value").asText());
    JsonNode tool = bom.path("metadata").path("tools").path("components").path(0);
    assertEquals("relpack", tool.path("name").asText());
    assertFalse(tool.path("version").asText().isEmpty());

    Map<String, JsonNode> libraries = libraries(bom);
    Map<String, String> rel = relApps();
    assertEquals(10, rel.size(), rel.toString());
    for (Map.Entry<String, String> app : rel.entrySet()) {
      JsonNode component = libraries.get(app.getKey());
      assertEquals(app.getValue(), component.path("version").asText(), app.getKey());
      // the demo's one dependency is a path dependency and it has no mix.lock: no Hex package
      String arch = app.getKey().equals("crypto") ? "?arch=amd64&platform=linux" : "";
      assertEquals("pkg:otp/" + app.getKey() + "@" + app.getValue() + arch,
          component.path("purl").asText());
    }
    assertEquals("app", property(libraries.get("demo"), "relpack:layer"));
    assertEquals("deps", property(libraries.get("greeting"), "relpack:layer"));
    assertEquals("otp", property(libraries.get("kernel"), "relpack:layer"));
    assertEquals("13.1.5", libraries.get("erts").path("version").asText());
    assertEquals("platform", libraries.get("erts").path("type").asText());
    assertEquals(rel.size() + 1, libraries.size(), "the .rel's apps and ERTS: " + libraries.keySet());

    List<String> files = bom.findValues("name").stream().map(JsonNode::asText)
        .filter(n -> n.startsWith("/app/")).toList();
    assertTrue(files.contains("/app/lib/crypto-5.1.2/priv/lib/crypto.so"), files.toString());
    assertTrue(files.contains("/app/erts-13.1.5/bin/beam.smp"), files.toString());
    assertTrue(bom.toString().contains("\"relpack:elf:needed\",\"value\":\"libcrypto.so.3\""),
        "crypto's NIF links OpenSSL");
    assertTrue(bom.path("components").findValues("bom-ref").stream()
        .anyMatch(r -> r.asText().equals("base:host")), "the base");

    // inspect --sbom: the release's part, without building, on stdout
    Command.Result inspected = relpack().run("inspect", "--release",
        Testdata.demoTarball().toString(), "--project-dir", project.toString(), "--sbom")
        .requireSuccess();
    JsonNode printed = JSON.readTree(inspected.stdout());
    assertEquals(List.of(), new JsonParser().validate(inspected.stdout(), Version.VERSION_15));
    List<JsonNode> releaseComponents = new java.util.ArrayList<>();
    bom.path("components").forEach(c -> {
      String ref = c.path("bom-ref").asText();
      // the base's part: the base, its OS, its packages and the files no package owns
      if (!ref.startsWith("base:") && !ref.startsWith("os:") && !ref.startsWith("pkg:deb/")
          && !ref.startsWith("base-file:")) {
        releaseComponents.add(c);
      }
    });
    List<JsonNode> printedComponents = new java.util.ArrayList<>();
    printed.path("components").forEach(printedComponents::add);
    assertEquals(releaseComponents, printedComponents, "the same components, but the base's");
    assertFalse(printed.path("serialNumber").asText().equals(bom.path("serialNumber").asText()),
        "no image, so a serial number from the release's content");
  }

  @Test
  void hexPackagesFromMixLockAndSpdxWithTheSourceDate() throws Exception {
    // The demo's dependency is a path dependency (its fixture was made without Hex access); a
    // mix.lock that names it as a Hex package takes the way from --project-dir to a hex purl.
    Path project = DemoProject.copyTo(work).dir();
    Files.writeString(project.resolve("mix.lock"), "%{\n  \"greeting\": {:hex, :greeting,"
        + " \"1.2.0\", \"" + "a".repeat(64) + "\", [:mix], [], \"hexpm\", \"" + "b".repeat(64)
        + "\"},\n}\n");
    Files.createDirectories(project.resolve("deps/greeting"));
    Files.writeString(project.resolve("deps/greeting/hex_metadata.config"),
        "{<<\"licenses\">>,[<<\"MIT\">>]}.\n");
    Path cyclonedx = build(project, "hex");
    JsonNode greeting = libraries(JSON.readTree(cyclonedx.toFile())).get("greeting");
    assertEquals("pkg:hex/greeting@1.2.0", greeting.path("purl").asText());
    assertEquals("MIT", greeting.path("licenses").path(0).path("license").path("name").asText());

    Path spdx = work.resolve("spdx.json");
    relpack().env("SOURCE_DATE_EPOCH", "1704067200").run("build", "--release",
        Testdata.demoTarball().toString(), "--project-dir", project.toString(), "--to",
        "oci:" + work.resolve("spdx") + ":demo", "--sbom", spdx.toString(), "--sbom-format",
        "spdx").requireSuccess();
    JsonNode doc = JSON.readTree(spdx.toFile());
    assertEquals("SPDX-2.3", doc.path("spdxVersion").asText());
    assertEquals("2024-01-01T00:00:00Z", doc.path("creationInfo").path("created").asText());
    assertTrue(doc.path("packages").findValues("referenceLocator").stream()
        .anyMatch(l -> l.asText().equals("pkg:hex/greeting@1.2.0")));
    assertEquals("MIT", doc.path("packages").findParents("licenseDeclared").stream()
        .filter(p -> p.path("name").asText().equals("greeting")).findFirst().orElseThrow()
        .path("licenseDeclared").asText());
  }

  @Test
  void anSbomFileThatCannotBeWrittenOrAnUnknownFormatIsRefusedBeforeAnyWork() throws Exception {
    Path layout = work.resolve("never");
    String release = Testdata.demoTarball().toString();
    Path home = work.resolve("home");
    BadInputIT.refused(List.of("build", "--release", release, "--to", "oci:" + layout,
        "--sbom", work.resolve("no/such/dir/sbom.json").toString()), "--sbom " + work, home, 2);
    BadInputIT.refused(List.of("build", "--release", release, "--to", "oci:" + layout,
        "--sbom", work.toString()), "--sbom " + work + " is a directory", home, 2);
    BadInputIT.refused(List.of("build", "--release", release, "--to", "oci:" + layout,
        "--sbom", work.resolve("s.json").toString(), "--sbom-format", "syft"),
        "--sbom-format syft: give cyclonedx", home, 2);
    BadInputIT.refused(List.of("inspect", "--release", release, "--sbom", "--sbom-format",
        "xml"), "--sbom-format xml", home, 2);
    assertFalse(Files.exists(layout), "no image");
    assertFalse(Files.exists(work.resolve("s.json")));
  }
}
