package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import dev.relpack.io.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layers of an {@code oci:} base, as the boot check reads them. */
class OciLayoutFilesTest {
  private static final byte[] LAYER = "a layer's tar".getBytes(StandardCharsets.UTF_8);
  @TempDir Path layout;

  private String blob(byte[] content) throws IOException {
    String hex = Sha256.of(content);
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Files.write(layout.resolve("blobs/sha256/" + hex), content);
    return "sha256:" + hex;
  }

  private static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  /** A layout of one image with one gzip layer; returns that layer's digest. */
  private String oneImage() throws IOException {
    String layer = blob(gzip(LAYER));
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
        + "[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
        + Sha256.of(LAYER) + "\"]}}").getBytes(StandardCharsets.UTF_8);
    String configDigest = blob(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layer + "\",\"size\":"
        + Files.size(layout.resolve("blobs/sha256/" + layer.substring(7))) + "}]}")
        .getBytes(StandardCharsets.UTF_8);
    String manifestDigest = blob(manifest);
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{"
        + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        + manifestDigest + "\",\"size\":" + manifest.length + ",\"annotations\":{"
        + "\"org.opencontainers.image.ref.name\":\"os\"}}]}");
    return layer;
  }

  private static BaseContext context() {
    return new BaseContext(null, null, null, null, event -> { }, null, "/app", "65534:65534",
        true, Optional.of("amd64"));
  }

  @Test
  void aLayerIsItsBlobUncompressedNamedByTheBlobDigest() throws IOException {
    String layer = oneImage();
    BaseFiles files = OciLayoutBase.files(new BaseSpec.OciLayout(layout, Optional.of("os")), context());
    assertEquals(List.of(layer), files.layers().stream().map(BaseLayer::digest).toList());
    try (InputStream in = files.layers().get(0).open()) {
      assertArrayEquals(LAYER, in.readAllBytes());
    }
    assertEquals(List.of("PATH=/bin"), files.env());
  }

  @Test
  void aBlobChangedInTheLayoutFailsWhenRead() throws IOException {
    String layer = oneImage();
    BaseFiles files = OciLayoutBase.files(new BaseSpec.OciLayout(layout, Optional.of("os")), context());
    byte[] other = gzip("another layer".getBytes(StandardCharsets.UTF_8));
    Files.write(layout.resolve("blobs/sha256/" + layer.substring(7)), other);
    BadInputException e = assertThrows(BadInputException.class, () -> {
      try (InputStream in = files.layers().get(0).open()) {
        in.readAllBytes();
      }
    });
    assertEquals("{from} oci:" + layout + ":os: layer " + layer + " does not match its digest (its"
        + " content is sha256:" + Sha256.of(other) + "); the layout is damaged or was tampered with",
        e.getMessage());
  }
}
