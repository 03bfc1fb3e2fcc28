package dev.relpack.sbom;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * CycloneDX 1.5 JSON: the release as {@code metadata.component}, relpack in
 * {@code metadata.tools.components}, the image digest as a metadata property, every other
 * component in order, and the release depending on each of them.
 */
final class CycloneDxWriter {
  static final String SPEC_VERSION = "1.5";

  private CycloneDxWriter() {}

  static byte[] write(Sbom sbom) {
    ObjectNode root = SbomJson.MAPPER.createObjectNode();
    root.put("$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
    root.put("bomFormat", "CycloneDX");
    root.put("specVersion", SPEC_VERSION);
    root.put("serialNumber", "urn:uuid:" + sbom.serialNumber());
    root.put("version", 1);
    ObjectNode metadata = root.putObject("metadata");
    sbom.timestamp().ifPresent(t -> metadata.put("timestamp", SbomJson.time(t)));
    metadata.putObject("tools").putArray("components").addObject()
        .put("type", "application")
        .put("name", Sbom.TOOL)
        .put("version", sbom.toolVersion());
    metadata.set("component", component(sbom.subject()));
    sbom.imageDigest().ifPresent(digest -> metadata.putArray("properties").addObject()
        .put("name", "relpack:image:digest").put("value", digest));
    ArrayNode components = root.putArray("components");
    sbom.components().forEach(c -> components.add(component(c)));
    ArrayNode dependsOn = root.putArray("dependencies").addObject()
        .put("ref", sbom.subject().ref()).putArray("dependsOn");
    sbom.components().forEach(c -> dependsOn.add(c.ref()));
    return SbomJson.bytes(root);
  }

  private static ObjectNode component(SbomComponent component) {
    ObjectNode node = SbomJson.MAPPER.createObjectNode();
    node.put("type", component.kind().cycloneDx());
    node.put("bom-ref", component.ref());
    node.put("name", component.name());
    component.version().ifPresent(v -> node.put("version", v));
    component.sha256().ifPresent(sha -> node.putArray("hashes").addObject()
        .put("alg", "SHA-256").put("content", sha));
    if (!component.licenses().isEmpty()) {
      // by name: Hex and apk give free text, which the schema refuses as an SPDX id
      ArrayNode licenses = node.putArray("licenses");
      component.licenses().forEach(l -> licenses.addObject().putObject("license").put("name", l));
    }
    component.purl().ifPresent(p -> node.put("purl", p));
    if (!component.properties().isEmpty()) {
      ArrayNode properties = node.putArray("properties");
      component.properties().forEach(p -> properties.addObject()
          .put("name", p.name()).put("value", p.value()));
    }
    return node;
  }
}
