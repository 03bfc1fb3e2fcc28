package dev.relpack.sbom;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * SPDX 2.3 JSON: every component a package (files too, with purpose {@code FILE}: SPDX's own
 * file elements must carry a SHA-1, which relpack does not compute), the document describing the
 * release and the release containing the rest. SPDX has no properties: they go in each
 * package's comment.
 */
final class SpdxWriter {
  static final String NAMESPACE_BASE = "https://relpack.dev/spdx/";
  /** What a licence list may hold to be given as a licence expression, not as text. */
  private static final Pattern LICENSE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+-]*");
  private static final Pattern NOT_IN_ID = Pattern.compile("[^A-Za-z0-9.-]+");

  private SpdxWriter() {}

  static byte[] write(Sbom sbom) {
    Map<String, String> ids = ids(sbom);
    SbomComponent subject = sbom.subject();
    ObjectNode root = SbomJson.MAPPER.createObjectNode();
    root.put("spdxVersion", "SPDX-2.3");
    root.put("dataLicense", "CC0-1.0");
    root.put("SPDXID", "SPDXRef-DOCUMENT");
    String name = subject.name() + subject.version().map(v -> "-" + v).orElse("");
    root.put("name", name);
    root.put("documentNamespace", NAMESPACE_BASE + Purl.encode(name) + "-" + sbom.serialNumber());
    ObjectNode creation = root.putObject("creationInfo");
    // SPDX requires a creation time; without a source date, the epoch, as the image's created
    creation.put("created", SbomJson.time(sbom.timestamp().orElse(Instant.EPOCH)));
    creation.putArray("creators").add("Tool: " + Sbom.TOOL + "-" + sbom.toolVersion());
    sbom.imageDigest().ifPresent(d -> creation.put("comment", "The image " + d + "."));
    ArrayNode packages = root.putArray("packages");
    packages.add(pkg(subject, ids));
    sbom.components().forEach(c -> packages.add(pkg(c, ids)));
    ArrayNode relationships = root.putArray("relationships");
    relationships.addObject().put("spdxElementId", "SPDXRef-DOCUMENT")
        .put("relationshipType", "DESCRIBES").put("relatedSpdxElement", ids.get(subject.ref()));
    sbom.components().forEach(c -> relationships.addObject()
        .put("spdxElementId", ids.get(subject.ref())).put("relationshipType", "CONTAINS")
        .put("relatedSpdxElement", ids.get(c.ref())));
    return SbomJson.bytes(root);
  }

  private static ObjectNode pkg(SbomComponent component, Map<String, String> ids) {
    ObjectNode node = SbomJson.MAPPER.createObjectNode();
    node.put("SPDXID", ids.get(component.ref()));
    node.put("name", component.name());
    component.version().ifPresent(v -> node.put("versionInfo", v));
    if (component.kind() == SbomComponent.Kind.FILE) {
      node.put("packageFileName", component.name());
    }
    node.put("downloadLocation", "NOASSERTION");
    node.put("filesAnalyzed", false);
    component.sha256().ifPresent(sha -> node.putArray("checksums").addObject()
        .put("algorithm", "SHA256").put("checksumValue", sha));
    node.put("licenseConcluded", "NOASSERTION");
    node.put("licenseDeclared", declared(component.licenses()));
    node.put("copyrightText", "NOASSERTION");
    if (!component.properties().isEmpty()) {
      node.put("comment", component.properties().stream()
          .map(p -> p.name() + "=" + p.value()).collect(Collectors.joining("\n")));
    }
    component.purl().ifPresent(p -> node.putArray("externalRefs").addObject()
        .put("referenceCategory", "PACKAGE-MANAGER").put("referenceType", "purl")
        .put("referenceLocator", p));
    node.put("primaryPackagePurpose", component.kind().spdxPurpose());
    return node;
  }

  /**
   * The licences as an expression when each looks like an SPDX identifier (Hex asks packages
   * for those), all of them applying; else NOASSERTION rather than a guess.
   */
  static String declared(List<String> licenses) {
    if (licenses.isEmpty() || !licenses.stream().allMatch(l -> LICENSE_ID.matcher(l).matches())) {
      return "NOASSERTION";
    }
    return String.join(" AND ", licenses);
  }

  /**
   * {@code SPDXRef-N-NAME}: SPDX ids allow letters, digits, '.' and '-' only, so the component's
   * position in the sorted document keeps ids unique where names do not.
   */
  private static Map<String, String> ids(Sbom sbom) {
    Map<String, String> ids = new LinkedHashMap<>();
    ids.put(sbom.subject().ref(), "SPDXRef-Release-" + id(sbom.subject().name()));
    List<SbomComponent> components = sbom.components();
    for (int i = 0; i < components.size(); i++) {
      ids.put(components.get(i).ref(), "SPDXRef-" + (i + 1) + "-" + id(components.get(i).name()));
    }
    return ids;
  }

  private static String id(String name) {
    String id = NOT_IN_ID.matcher(name).replaceAll("-").replaceAll("^-+|-+$", "");
    return id.isEmpty() ? "x" : id.length() > 64 ? id.substring(id.length() - 64) : id;
  }
}
