package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.testsupport.Command;
import dev.relpack.testsupport.RegistryServer;
import dev.relpack.testsupport.Relpack;
import dev.relpack.testsupport.Skopeo;
import dev.relpack.testsupport.TestBases;
import dev.relpack.testsupport.Testdata;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build into a repository that holds no image of it, on the registry its base comes from (a
 * CI job with no cache, pushing a new tag or project), writes the image jib would push without
 * running jib: the base's layers are mounted, so none of their bytes are sent, relpack's layers,
 * the config and the manifest are uploaded, and the image is byte for byte the one jib pushes
 * where the base's layers cannot be mounted (another registry).
 */
class NewImageIT {
  static final String WRITTEN = "the image jib would push, without jib";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;

  @Test
  void aNewRepositoryOnTheBasesRegistryIsWrittenWithoutJibAndIsTheImageJibPushes()
      throws Exception {
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"));
        RegistryServer other = RegistryServer.start(work.resolve("other"))) {
      TestBases bases = new TestBases(work.resolve("bases"),
          TestBases.unpackDemo(work.resolve("demo")));
      String from = bases.get(TestBases.Name.COMPLETE).pushedTo(registry);
      String image = registry.address() + "/new/demo-" + System.nanoTime() + ":1";
      int before = registry.requests().size();

      Path metadata = work.resolve("new.json");
      Command.Result result = fresh("new").succeed("build", "--release",
          Testdata.demoTarball().toString(), "--from", from, "--to", image, "-v", "--no-sbom",
          "--metadata", metadata.toString());

      assertTrue(result.stderr().contains(WRITTEN), result.stderr());
      assertFalse(result.stderr().contains(ImageRevisionIT.JIB), "jib ran: " + result.stderr());
      JsonNode written = JSON.readTree(metadata.toFile());
      List<String> baseLayers = new java.util.ArrayList<>();
      for (JsonNode layer : written.path("layers")) {
        boolean base = layer.path("origin").asText().equals("base");
        assertEquals(base ? "mounted" : "pushed", layer.path("delivery").asText(),
            layer.toString());
        if (base) {
          baseLayers.add(layer.path("digest").asText());
        }
      }
      assertFalse(baseLayers.isEmpty(), written.toString());
      List<RegistryServer.Request> requests =
          registry.requests().subList(before, registry.requests().size());
      for (String digest : baseLayers) {
        assertTrue(requests.stream().anyMatch(r -> r.method().equals("POST")
            && r.path().contains("mount=" + digest) && r.status() == 201), requests.toString());
      }
      long sent = requests.stream().filter(r -> r.isBlobUpload() && r.method().equals("PUT"))
          .count();
      assertEquals(written.path("uploadedBlobs").asLong(), sent, "relpack's layers and the"
          + " config, and nothing of the base's: " + requests);

      Path jibMetadata = work.resolve("jib.json");
      Command.Result jib = fresh("jib").succeed("build", "--release",
          Testdata.demoTarball().toString(), "--from", from,
          "--to", other.address() + "/new/demo:1", "-v", "--no-sbom",
          "--metadata", jibMetadata.toString());
      assertTrue(jib.stderr().contains(ImageRevisionIT.JIB), "jib built it: " + jib.stderr());
      assertEquals(JSON.readTree(jibMetadata.toFile()).path("digest").asText(),
          written.path("digest").asText(), "byte for byte the image jib pushes");

      // an independent client reads every blob the manifest names, the mounted ones too
      Skopeo.copy("docker://" + image, "oci:" + work.resolve("copy") + ":1");
      assertEquals(written.path("digest").asText(),
          Skopeo.inspect("docker://" + image).path("Digest").asText());
    }
  }

  /** relpack with a HOME, cache and state of its own: a CI job that keeps nothing. */
  private Relpack fresh(String name) {
    return new Relpack(work.resolve("home-" + name))
        .env("XDG_STATE_HOME", work.resolve("state-" + name).toString());
  }
}
