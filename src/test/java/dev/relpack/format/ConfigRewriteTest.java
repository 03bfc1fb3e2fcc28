package dev.relpack.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigRewriteTest {
  private static final String D1 = "sha256:" + "1".repeat(64);
  private static final String D2 = "sha256:" + "2".repeat(64);

  private static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] json) {
    return new String(json, StandardCharsets.UTF_8);
  }

  @Test
  void onlyTheAddedEntriesThatNameJibChangeEveryOtherByteStays() throws IOException {
    // the base's own entry names Jib too (a base built with jib): it is the base's, kept
    String config = "{\"created\":\"1970-01-01T00:00:00Z\",\"author\":\"Jib\",\"history\":["
        + "{\"created\":\"1970\",\"author\":\"Jib\",\"created_by\":\"jib\"},"
        + "{\"author\":\"someone\",\"created_by\":\"relpack:0.1\",\"comment\":\"host\"},"
        + "{\"created\":\"1970\",\"author\":\"Jib\",\"created_by\":\"relpack:0.1\",\"comment\":\"erts\"},"
        + "{\"created_by\":\"relpack:0.1\",\"comment\":\"app\",\"author\":\"Jib\"}],"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"x\"]},\"z\":{\"author\":\"Jib\"}}";
    String expected = config
        .replace("\"author\":\"Jib\",\"created_by\":\"relpack:0.1\",\"comment\":\"erts\"",
            "\"author\":\"relpack\",\"created_by\":\"relpack:0.1\",\"comment\":\"erts\"")
        .replace("\"comment\":\"app\",\"author\":\"Jib\"", "\"comment\":\"app\",\"author\":\"relpack\"");
    assertEquals(expected, text(ConfigRewrite.authors(bytes(config), 3)));
  }

  @Test
  void keepsSpacingKeyOrderAndNonAsciiTextAndGivesTheSameBytesEachTime() throws IOException {
    String config = "{\n  \"history\" : [ { \"comment\" : \"größe ✓\", \"author\" : \"Jib\" } ],\n"
        + "  \"config\" : { \"Labels\" : { \"b\" : \"1\", \"a\" : \"2\" } }\n}\n";
    byte[] first = ConfigRewrite.authors(bytes(config), 1);
    assertEquals(config.replace("\"Jib\"", "\"relpack\""), text(first));
    assertArrayEquals(first, ConfigRewrite.authors(bytes(config), 1));
  }

  @Test
  void aConfigWithoutJibAuthorsIsReturnedAsItIs() throws IOException {
    byte[] config = bytes("{\"history\":[{\"author\":\"relpack\"},{\"created_by\":\"x\"}]}");
    assertSame(config, ConfigRewrite.authors(config, 2));
    byte[] noHistory = bytes("{\"architecture\":\"amd64\"}");
    assertSame(noHistory, ConfigRewrite.authors(noHistory, 5));
    byte[] escaped = bytes("{\"history\":[{\"author\":\"\\u004aib\"}]}");
    assertSame(escaped, ConfigRewrite.authors(escaped, 1), "only the plain spelling is edited");
  }

  @Test
  void theManifestGetsTheNewConfigDescriptorAndNothingElse() throws IOException {
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + D1 + "\",\"size\":999},\"layers\":[{\"mediaType\":\"m\",\"digest\":\"" + D1
        + "\",\"size\":999}],\"annotations\":{\"size\":\"1\"}}";
    String expected = manifest.replaceFirst(D1 + "\",\"size\":999", D2 + "\",\"size\":1003");
    assertEquals(expected, text(ConfigRewrite.configDescriptor(bytes(manifest), D2, 1003)));
  }

  @Test
  void aManifestWithoutAConfigDescriptorIsRefused() {
    assertThrows(IOException.class,
        () -> ConfigRewrite.configDescriptor(bytes("{\"layers\":[]}"), D2, 1));
    assertThrows(IOException.class,
        () -> ConfigRewrite.configDescriptor(bytes("[]"), D2, 1));
    assertThrows(IOException.class, () -> ConfigRewrite.authors(bytes("[1]"), 1));
  }

  @Test
  void annotationsGoBeforeTheClosingBraceSortedAndEscapedEveryOtherByteStays() throws IOException {
    String manifest = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" + D1 + "\"},\"layers\":[]}";
    java.util.Map<String, String> annotations = new java.util.LinkedHashMap<>();
    annotations.put("z.last", "a \"quoted\" name");
    annotations.put("a.first", D2);
    assertEquals("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + D1 + "\"},\"layers\":[]"
        + ",\"annotations\":{\"a.first\":\"" + D2 + "\",\"z.last\":\"a \\\"quoted\\\" name\"}}",
        text(ConfigRewrite.annotate(bytes(manifest), annotations)));
    assertEquals("{ \"annotations\":{\"k\":\"v\"}}",
        text(ConfigRewrite.annotate(bytes("{ }"), java.util.Map.of("k", "v"))));
  }

  @Test
  void aManifestWithAnnotationsOrNoneToAddIsReturnedAsItIs() throws IOException {
    byte[] annotated = bytes("{\"schemaVersion\":2,\"annotations\":{\"theirs\":\"x\"}}");
    assertSame(annotated, ConfigRewrite.annotate(annotated, java.util.Map.of("k", "v")));
    byte[] plain = bytes("{\"schemaVersion\":2}");
    assertSame(plain, ConfigRewrite.annotate(plain, java.util.Map.of()));
    assertThrows(IOException.class, () -> ConfigRewrite.annotate(bytes("[1]"), java.util.Map.of("k", "v")));
  }

  @Test
  void theTopDiffIdsAreReplacedInOrderAndEveryOtherByteStays() throws IOException {
    String config = "{\"history\":[{\"comment\":\"sha256:aaa\"}],\n \"rootfs\" : {\"type\":"
        + "\"layers\",\"diff_ids\":[\"sha256:base\", \"sha256:old1\",\"sha256:old2\"]},"
        + "\"diff_ids\":[\"sha256:elsewhere\"]}";
    String expected = config.replace("sha256:old1", D1).replace("sha256:old2", D2);
    assertEquals(expected, text(ConfigRewrite.topDiffIds(bytes(config), List.of(D1, D2))));
    assertEquals(config.replace("sha256:old2", D1),
        text(ConfigRewrite.topDiffIds(bytes(config), List.of(D1))), "only the last one");
  }

  @Test
  void moreTopDiffIdsThanTheConfigHasOrEscapedOnesAreRefused() {
    assertThrows(IOException.class, () -> ConfigRewrite.topDiffIds(
        bytes("{\"rootfs\":{\"diff_ids\":[\"sha256:a\"]}}"), List.of(D1, D2)));
    assertThrows(IOException.class, () -> ConfigRewrite.topDiffIds(
        bytes("{\"rootfs\":{\"diff_ids\":[\"sha256:\\u0061\"]}}"), List.of(D1)));
    assertThrows(IOException.class, () -> ConfigRewrite.topDiffIds(bytes("[]"), List.of(D1)));
  }

  @Test
  void theTopLayerDescriptorsGetTheirDigestsAndSizesAndKeepTheirMediaTypes()
      throws IOException {
    String manifest = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:cfg\",\"size\":9},"
        + "\"layers\":[{\"mediaType\":\"m\",\"digest\":\"sha256:base\",\"size\":1},"
        + "{\"size\":22,\"mediaType\":\"m\",\"digest\":\"sha256:old1\"},"
        + "{\"mediaType\":\"m\",\"digest\":\"sha256:old2\",\"size\":333}]}";
    String expected = manifest.replace("\"size\":22", "\"size\":4444")
        .replace("sha256:old1", D1).replace("sha256:old2", D2).replace("\"size\":333", "\"size\":5");
    assertEquals(expected, text(ConfigRewrite.topLayers(bytes(manifest), List.of(
        new ConfigRewrite.Layer(D1, 4444), new ConfigRewrite.Layer(D2, 5)))));
  }

  @Test
  void moreTopLayersThanTheManifestHasOrLayersWithoutASizeAreRefused() {
    assertThrows(IOException.class, () -> ConfigRewrite.topLayers(
        bytes("{\"layers\":[{\"digest\":\"sha256:a\",\"size\":1}]}"),
        List.of(new ConfigRewrite.Layer(D1, 1), new ConfigRewrite.Layer(D2, 2))));
    assertThrows(IOException.class, () -> ConfigRewrite.topLayers(
        bytes("{\"layers\":[{\"digest\":\"sha256:a\"}]}"),
        List.of(new ConfigRewrite.Layer(D1, 1))));
  }
}
