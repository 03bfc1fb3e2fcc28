package dev.relpack.base;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.relpack.error.BadInputException;
import dev.relpack.error.RegistryException;
import dev.relpack.io.Sha256;
import dev.relpack.registry.ReadLimits;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry faults the real registry will not produce; the good path is in RegistryLayersIT. */
class RegistryLayersTest {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
  @TempDir Path cacheRoot;
  private WireMockServer registry;
  private RegistryReader reader;

  @BeforeEach
  void start() {
    registry = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    registry.start();
    reader = new RegistryReader(new RegistryAccess(false), r -> RegistryProbe.Transport.HTTP,
        Duration.ofSeconds(10), ReadLimits.DEFAULT);
  }

  @AfterEach
  void stop() {
    registry.stop();
  }

  private ImageReference image() throws Exception {
    return ImageReference.parse("127.0.0.1:" + registry.port() + "/base/os:1");
  }

  /** An image of one layer, announced with {@code announced} and served as {@code served}. */
  private void serve(byte[] announced, byte[] served, String mediaType) {
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
        + "[\"PATH=/usr/bin:/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    String configDigest = "sha256:" + Sha256.of(config);
    String layerDigest = "sha256:" + Sha256.of(announced);
    registry.stubFor(get(urlEqualTo("/v2/base/os/manifests/1")).willReturn(aResponse()
        .withStatus(200).withHeader("Content-Type", OCI_MANIFEST).withBody("{\"schemaVersion\":2,"
            + "\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
            + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
            + "\",\"size\":" + config.length() + "},\"layers\":[{\"mediaType\":\"" + mediaType
            + "\",\"digest\":\"" + layerDigest + "\",\"size\":" + announced.length + "}]}")));
    registry.stubFor(get(urlEqualTo("/v2/base/os/blobs/" + configDigest))
        .willReturn(aResponse().withStatus(200).withBody(config)));
    registry.stubFor(get(urlEqualTo("/v2/base/os/blobs/" + layerDigest))
        .willReturn(aResponse().withStatus(200).withBody(served)));
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  @Test
  void aLayerWhoseBytesDoNotMatchItsDigestIsRefusedAndLeavesNothingInJibsCache()
      throws Exception {
    byte[] announced = gzip("the layer the manifest names");
    byte[] served = announced.clone();
    served[served.length - 1] ^= 1; // same size: only the digest can tell
    serve(announced, served, GZIP_LAYER);
    BaseFiles files = new RegistryLayers(reader, cacheRoot).files(image(), Optional.empty(), "amd64");
    assertEquals(List.of("PATH=/usr/bin:/bin"), files.env());
    BaseLayer layer = files.layers().get(0);
    RegistryException e = assertThrows(RegistryException.class, () -> {
      try (InputStream in = layer.open()) {
        in.readAllBytes();
      }
    });
    assertEquals("registry " + image().getRegistry() + " served blob " + layer.digest() + " of "
        + image() + " with content whose digest is sha256:" + Sha256.of(served), e.getMessage());
    Path jib = cacheRoot.resolve("jib/base");
    assertEquals(List.of(), entries(jib.resolve("layers")), "no layer stored");
    assertEquals(List.of(), entries(jib.resolve("tmp")), "no partial download left");
  }

  @Test
  void aLayerReadToItsEndIsStoredInJibsLayoutUnderItsDiffId() throws Exception {
    byte[] blob = gzip("the layer's tar");
    serve(blob, blob, GZIP_LAYER);
    BaseLayer layer = onlyLayer();
    Path jib = cacheRoot.resolve("jib/base");
    try (InputStream in = layer.open()) {
      assertEquals("the layer's tar", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      assertEquals(List.of(), entries(jib.resolve("layers")), "stored once read, not before");
    }
    Path entry = jib.resolve("layers").resolve(Sha256.of(blob));
    assertEquals(List.of(entry.resolve(Sha256.of("the layer's tar"))), entries(entry));
    assertArrayEquals(blob, Files.readAllBytes(entries(entry).get(0)));
    assertEquals(List.of(), entries(jib.resolve("tmp")), "nothing left staged");
  }

  @Test
  void bytesSkippedStillNameTheEntryAndALayerNotReadToItsEndIsNotStored() throws Exception {
    byte[] blob = gzip("0123456789 the layer's tar");
    serve(blob, blob, GZIP_LAYER);
    BaseLayer layer = onlyLayer();
    Path layers = cacheRoot.resolve("jib/base/layers");
    try (InputStream in = layer.open()) {
      in.read(new byte[4]); // a reader that gave up: nothing read to the end
    }
    assertEquals(List.of(), entries(layers), "a layer not read to its end is not stored");
    try (InputStream in = layer.open()) {
      assertEquals(11, in.skip(11));
      in.readAllBytes();
    }
    Path entry = layers.resolve(Sha256.of(blob));
    assertEquals(List.of(entry.resolve(Sha256.of("0123456789 the layer's tar"))), entries(entry));
  }

  @Test
  void aBlobThatMatchesItsDigestButDoesNotInflateIsNotStored() throws Exception {
    byte[] blob = gzip("a layer cut short of its end");
    byte[] cut = java.util.Arrays.copyOf(blob, blob.length - 12);
    serve(cut, cut, GZIP_LAYER);
    BaseLayer layer = onlyLayer();
    assertThrows(IOException.class, () -> {
      try (InputStream in = layer.open()) {
        in.readAllBytes();
      }
    });
    Path jib = cacheRoot.resolve("jib/base");
    assertEquals(List.of(), entries(jib.resolve("layers")), "no layer stored");
    assertEquals(List.of(), entries(jib.resolve("tmp")), "nothing left staged");
  }

  @Test
  void aLayerJibCannotReadIsRefusedByName() throws Exception {
    byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
    serve(zstd, zstd, "application/vnd.oci.image.layer.v1.tar+zstd");
    BadInputException e = assertThrows(BadInputException.class,
        () -> new RegistryLayers(reader, cacheRoot).files(image(), Optional.empty(), "amd64"));
    assertEquals("base " + image() + ": layer sha256:" + Sha256.of(zstd) + " is"
        + " application/vnd.oci.image.layer.v1.tar+zstd; jib, which relpack builds with, reads"
        + " only gzip-compressed base layers", e.getMessage());
  }

  /** The layer of the image {@link #serve} serves. */
  private BaseLayer onlyLayer() throws Exception {
    return new RegistryLayers(reader, cacheRoot).files(image(), Optional.empty(), "amd64")
        .layers().get(0);
  }

  private static List<Path> entries(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.toList();
    }
  }
}
