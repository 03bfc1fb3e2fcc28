package dev.relpack.format.referrers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Adding a referrer to a list other tools share: theirs stay, exactly. */
class ReferrersIndexTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  /** A list cosign and notation wrote to, with fields relpack does not know. */
  private static final String FOREIGN = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\","
      + "\"manifests\":["
      + "{\"mediaType\":\"" + MANIFEST + "\",\"digest\":\"sha256:" + "1".repeat(64) + "\","
      + "\"size\":700,\"artifactType\":\"application/vnd.dev.cosign.artifact.sig.v1+json\","
      + "\"annotations\":{\"dev.sigstore.cosign/signature\":\"MEUC\"}},"
      + "{\"digest\":\"sha256:" + "2".repeat(64) + "\",\"size\":10,"
      + "\"mediaType\":\"" + MANIFEST + "\",\"artifactType\":\"application/vnd.cncf.notary\","
      + "\"data\":\"e30=\",\"x-unknown\":[1,2,{\"deep\":true}]}],"
      + "\"annotations\":{\"org.example.list\":\"kept\"},\"x-vendor\":{\"a\":1}}";

  private static ObjectNode referrer(String hexDigit) {
    return JSON.createObjectNode().put("mediaType", MANIFEST)
        .put("digest", "sha256:" + hexDigit.repeat(64)).put("size", 42)
        .put("artifactType", "application/vnd.cyclonedx+json");
  }

  @Test
  void theTagIsTheAlgorithmADashAndTheHex() {
    assertEquals("sha256-" + "0f".repeat(32), ReferrersIndex.tag("sha256:" + "0f".repeat(32)));
    assertThrows(IllegalArgumentException.class, () -> ReferrersIndex.tag("sha256:abc"));
    assertThrows(IllegalArgumentException.class,
        () -> ReferrersIndex.tag("sha256:" + "0F".repeat(32)));
  }

  @Test
  void withNoListYetANewIndexHoldsTheReferrerAlone() throws Exception {
    byte[] list = ReferrersIndex.add(Optional.empty(), referrer("a")).orElseThrow();

    assertEquals("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
        + "{\"mediaType\":\"" + MANIFEST + "\",\"digest\":\"sha256:" + "a".repeat(64)
        + "\",\"size\":42,\"artifactType\":\"application/vnd.cyclonedx+json\"}]}",
        new String(list, StandardCharsets.UTF_8));
  }

  @Test
  void everyForeignEntryAndUnknownFieldStaysAndTheReferrerComesLast() throws Exception {
    byte[] list = ReferrersIndex.add(Optional.of(FOREIGN.getBytes(StandardCharsets.UTF_8)),
        referrer("a")).orElseThrow();

    JsonNode merged = JSON.readTree(list);
    JsonNode before = JSON.readTree(FOREIGN);
    assertEquals(3, merged.path("manifests").size());
    assertEquals(before.path("manifests").get(0), merged.path("manifests").get(0));
    assertEquals(before.path("manifests").get(1), merged.path("manifests").get(1));
    assertEquals(JSON.writeValueAsString(referrer("a")),
        JSON.writeValueAsString(merged.path("manifests").get(2)));
    ObjectNode withoutManifests = ((ObjectNode) merged.deepCopy());
    withoutManifests.remove("manifests");
    ObjectNode beforeWithout = ((ObjectNode) before.deepCopy());
    beforeWithout.remove("manifests");
    assertEquals(beforeWithout, withoutManifests, "top-level fields, unknown ones too");
    // field order kept too: a foreign entry is written back as it was read
    assertTrue(new String(list, StandardCharsets.UTF_8).contains("{\"digest\":\"sha256:"
        + "2".repeat(64) + "\",\"size\":10,"), new String(list, StandardCharsets.UTF_8));
  }

  @Test
  void anIndexWhoseManifestsAreNoListIsRefusedNotReplaced() throws Exception {
    // an oci: layout's index.json is given to add() as it is: nothing in it may be dropped
    ObjectNode odd = (ObjectNode) JSON.readTree("{\"schemaVersion\":2,\"manifests\":{\"x\":1}}");
    assertThrows(ReferrersIndex.NotAnIndexException.class,
        () -> ReferrersIndex.add(odd, referrer("a")));
    assertEquals("{\"x\":1}", odd.path("manifests").toString());
  }

  @Test
  void aReferrerListedAlreadyIsNotAddedTwice() throws Exception {
    byte[] once = ReferrersIndex.add(Optional.of(FOREIGN.getBytes(StandardCharsets.UTF_8)),
        referrer("a")).orElseThrow();

    assertEquals(Optional.empty(), ReferrersIndex.add(Optional.of(once), referrer("a")));
    assertEquals(Optional.empty(), ReferrersIndex.add(
        Optional.of(FOREIGN.getBytes(StandardCharsets.UTF_8)), referrer("1")),
        "the same digest as a foreign entry");
  }

  @Test
  void theSameListAndReferrerGiveTheSameBytes() throws Exception {
    byte[] a = ReferrersIndex.add(Optional.of(FOREIGN.getBytes(StandardCharsets.UTF_8)),
        referrer("b")).orElseThrow();
    byte[] b = ReferrersIndex.add(Optional.of(FOREIGN.getBytes(StandardCharsets.UTF_8)),
        referrer("b")).orElseThrow();

    assertArrayEquals(a, b);
  }

  @Test
  void somethingThatIsNotAnOciIndexIsRefusedNotOverwritten() {
    String dockerList = "{\"schemaVersion\":2,\"mediaType\":"
        + "\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":[]}";
    ReferrersIndex.NotAnIndexException list = assertThrows(
        ReferrersIndex.NotAnIndexException.class, () -> ReferrersIndex.add(
            Optional.of(dockerList.getBytes(StandardCharsets.UTF_8)), referrer("a")));
    assertEquals("a application/vnd.docker.distribution.manifest.list.v2+json",
        list.getMessage());
    for (String odd : new String[] {"not json", "[1]", "{\"manifests\":{}}",
        "{\"mediaType\":\"" + MANIFEST + "\"}"}) {
      assertThrows(ReferrersIndex.NotAnIndexException.class, () -> ReferrersIndex.add(
          Optional.of(odd.getBytes(StandardCharsets.UTF_8)), referrer("a")), odd);
    }
  }

  @Test
  void anIndexWithoutMediaTypeOrManifestsIsStillAList() throws Exception {
    byte[] list = ReferrersIndex.add(Optional.of("{\"schemaVersion\":2}"
        .getBytes(StandardCharsets.UTF_8)), referrer("c")).orElseThrow();

    assertEquals(JSON.writeValueAsString(referrer("c")),
        JSON.writeValueAsString(JSON.readTree(list).path("manifests").get(0)));
  }
}
