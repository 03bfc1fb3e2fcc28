package dev.relpack.format.referrers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.io.Sha256;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The artifact manifest relpack attaches: its exact shape, and the same bytes every time. */
class ArtifactManifestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "sha256:" + "ab".repeat(32);
  private static final ArtifactManifest.Descriptor SUBJECT = new ArtifactManifest.Descriptor(
      "application/vnd.oci.image.manifest.v1+json", IMAGE, 1234);
  private static final byte[] SBOM = "{\"bomFormat\":\"CycloneDX\"}"
      .getBytes(StandardCharsets.UTF_8);

  @Test
  void theConfigIsTheEmptyDescriptorTheImageSpecDefines() {
    // the digest of "{}", as image spec 1.1's "Guidance for an Empty Descriptor" gives it
    assertEquals(new ArtifactManifest.Descriptor("application/vnd.oci.empty.v1+json",
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", 2),
        ArtifactManifest.EMPTY);
    assertArrayEquals("{}".getBytes(StandardCharsets.US_ASCII), ArtifactManifest.emptyContent());
  }

  @Test
  void theManifestNamesTheArtifactTypeTheEmptyConfigTheOneLayerAndTheSubjectAndNothingElse() {
    ArtifactManifest manifest = ArtifactManifest.of("application/vnd.cyclonedx+json",
        "application/vnd.cyclonedx+json", SBOM, SUBJECT);

    String expected = "{\"schemaVersion\":2,"
        + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"artifactType\":\"application/vnd.cyclonedx+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":"
        + "\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.cyclonedx+json\",\"digest\":\"sha256:"
        + Sha256.of(SBOM) + "\",\"size\":" + SBOM.length + "}],"
        + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        + IMAGE + "\",\"size\":1234}}";
    assertEquals(expected, new String(manifest.bytes(), StandardCharsets.UTF_8));
  }

  @Test
  void theSameArtifactAndImageGiveTheSameBytesAndAnotherArtifactOthers() {
    byte[] first = ArtifactManifest.of("application/spdx+json", "application/spdx+json",
        SBOM, SUBJECT).bytes();
    byte[] again = ArtifactManifest.of("application/spdx+json", "application/spdx+json",
        SBOM.clone(), new ArtifactManifest.Descriptor(SUBJECT.mediaType(), IMAGE, 1234)).bytes();
    byte[] other = ArtifactManifest.of("application/spdx+json", "application/spdx+json",
        "{}".getBytes(StandardCharsets.UTF_8), SUBJECT).bytes();

    assertArrayEquals(first, again);
    assertFalse(java.util.Arrays.equals(first, other));
  }

  @Test
  void itsReferrerEntryIsItsDescriptorWithItsArtifactType() throws Exception {
    ArtifactManifest manifest = ArtifactManifest.of("application/vnd.cyclonedx+json",
        "application/vnd.cyclonedx+json", SBOM, SUBJECT);
    byte[] bytes = manifest.bytes();

    JsonNode entry = manifest.referrer();

    assertEquals("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"digest\":\"sha256:" + Sha256.of(bytes) + "\",\"size\":" + bytes.length
        + ",\"artifactType\":\"application/vnd.cyclonedx+json\"}", JSON.writeValueAsString(entry));
    assertEquals("sha256:" + Sha256.of(bytes), manifest.descriptor().digest());
  }

  @Test
  void anArtifactWithoutATypeIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> ArtifactManifest.of(" ", "application/spdx+json", SBOM, SUBJECT));
  }
}
