package dev.relpack.sbom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cyclonedx.Version;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SbomFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path work;

  private Sbom sbom(Map<String, String> environment) throws Exception {
    return SbomFixture.contents(Files.createTempDirectory(work, "sbom")).ofImage(SbomFixture.DIGEST,
        Optional.of(SbomFixture.debianBase()), environment, "0.1.0");
  }

  /**
   * cyclonedx-core-java's validator and the 1.5 schema it ships (its reader is not used: it
   * needs jackson's XML module even for JSON licences).
   */
  @Test
  void cycloneDxValidatesAgainstThe15Schema() throws Exception {
    for (Map<String, String> environment : List.of(Map.<String, String>of(),
        Map.of("SOURCE_DATE_EPOCH", "1704067200"))) {
      byte[] bytes = SbomFormat.CYCLONEDX.write(sbom(environment));
      assertEquals(List.of(), new JsonParser().validate(bytes, Version.VERSION_15));
      JsonNode bom = JSON.readTree(bytes);
      assertEquals("relpack", bom.path("metadata").path("tools").path("components").path(0)
          .path("name").asText());
      assertEquals("shop", bom.path("metadata").path("component").path("name").asText());
      assertEquals("urn:uuid:" + SerialNumber.ofImage(SbomFixture.DIGEST),
          bom.path("serialNumber").asText());
    }
  }

  @Test
  void theValidatorRefusesWhatTheSchemaDoes() throws Exception {
    String text = new String(SbomFormat.CYCLONEDX.write(sbom(Map.of())), StandardCharsets.UTF_8);
    assertFalse(new JsonParser().validate(text.replace("\"type\": \"platform\"",
        "\"type\": \"runtime\""), Version.VERSION_15).isEmpty(), "no such component type");
    assertFalse(new JsonParser().validate(text.replaceFirst("\"serialNumber\": \"urn:uuid:",
        "\"serialNumber\": \"uuid:"), Version.VERSION_15).isEmpty(), "not a urn:uuid");
  }

  @Test
  void cycloneDxHasATimestampOnlyWhenASourceDateSaysIt() throws Exception {
    JsonNode without = JSON.readTree(SbomFormat.CYCLONEDX.write(sbom(Map.of())));
    assertTrue(without.path("metadata").path("timestamp").isMissingNode());
    JsonNode with = JSON.readTree(SbomFormat.CYCLONEDX.write(
        sbom(Map.of("CI_COMMIT_TIMESTAMP", "2025-05-05T10:00:00+02:00"))));
    assertEquals("2025-05-05T08:00:00Z", with.path("metadata").path("timestamp").asText());
    assertEquals(SbomFixture.DIGEST, with.path("metadata").path("properties").path(0)
        .path("value").asText());
    JsonNode dependsOn = with.path("dependencies").path(0).path("dependsOn");
    assertEquals(with.path("components").size(), dependsOn.size());
  }

  /**
   * No Maven artifact on hand carries the SPDX 2.3 JSON schema, so this checks by hand what it
   * requires of a document and of each package, and what makes the document well formed: ids
   * unique and of SPDX's alphabet, every relationship between elements that are there.
   */
  @Test
  void spdxHasWhatThe23SchemaRequires() throws Exception {
    JsonNode doc = JSON.readTree(SbomFormat.SPDX.write(sbom(Map.of())));
    for (String field : List.of("spdxVersion", "dataLicense", "SPDXID", "name",
        "documentNamespace", "creationInfo")) {
      assertTrue(doc.hasNonNull(field), field);
    }
    assertEquals("SPDX-2.3", doc.path("spdxVersion").asText());
    assertEquals("CC0-1.0", doc.path("dataLicense").asText());
    assertEquals("1970-01-01T00:00:00Z", doc.path("creationInfo").path("created").asText(),
        "required: the epoch when no source date is set, as the image's created");
    assertEquals("Tool: relpack-0.1.0", doc.path("creationInfo").path("creators").path(0).asText());
    assertTrue(doc.path("documentNamespace").asText()
        .endsWith(SerialNumber.ofImage(SbomFixture.DIGEST).toString()));
    Set<String> ids = new HashSet<>(List.of("SPDXRef-DOCUMENT"));
    List<String> purposes = List.of("APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER",
        "OPERATING-SYSTEM", "DEVICE", "FIRMWARE", "SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER");
    List<String> purls = new ArrayList<>();
    for (JsonNode pkg : doc.path("packages")) {
      String id = pkg.path("SPDXID").asText();
      assertTrue(id.matches("SPDXRef-[A-Za-z0-9.-]+"), id);
      assertTrue(ids.add(id), "unique: " + id);
      assertFalse(pkg.path("name").asText().isEmpty());
      assertEquals("NOASSERTION", pkg.path("downloadLocation").asText());
      assertTrue(purposes.contains(pkg.path("primaryPackagePurpose").asText()));
      for (JsonNode checksum : pkg.path("checksums")) {
        assertEquals("SHA256", checksum.path("algorithm").asText());
        assertTrue(checksum.path("checksumValue").asText().matches("[0-9a-f]{64}"));
      }
      for (JsonNode ref : pkg.path("externalRefs")) {
        assertEquals("PACKAGE-MANAGER", ref.path("referenceCategory").asText());
        assertEquals("purl", ref.path("referenceType").asText());
        purls.add(ref.path("referenceLocator").asText());
      }
    }
    assertTrue(purls.contains("pkg:hex/jason@1.4.1"), purls.toString());
    assertEquals(sbom(Map.of()).components().size() + 1, doc.path("packages").size());
    int describes = 0;
    for (JsonNode relationship : doc.path("relationships")) {
      assertTrue(ids.contains(relationship.path("spdxElementId").asText()));
      assertTrue(ids.contains(relationship.path("relatedSpdxElement").asText()));
      describes += relationship.path("relationshipType").asText().equals("DESCRIBES") ? 1 : 0;
    }
    assertEquals(1, describes);
  }

  @Test
  void spdxDeclaresLicencesAsAnExpressionOnlyWhenEachIsAnIdentifier() {
    assertEquals("Apache-2.0", SpdxWriter.declared(List.of("Apache-2.0")));
    assertEquals("MIT AND Apache-2.0", SpdxWriter.declared(List.of("MIT", "Apache-2.0")));
    assertEquals("NOASSERTION", SpdxWriter.declared(List.of("Apache 2")));
    assertEquals("NOASSERTION", SpdxWriter.declared(List.of()));
  }

  @Test
  void bothFormsAreJsonWithUnixLinesAndAFinalNewline() throws Exception {
    for (SbomFormat format : SbomFormat.values()) {
      String text = new String(format.write(sbom(Map.of())), StandardCharsets.UTF_8);
      assertTrue(text.endsWith("}\n"), format.key());
      assertFalse(text.contains("\r"), format.key());
    }
    assertEquals("application/vnd.cyclonedx+json", SbomFormat.CYCLONEDX.mediaType());
    assertEquals("application/spdx+json", SbomFormat.SPDX.mediaType());
  }
}
