package dev.relpack.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.error.BadInputException;
import dev.relpack.io.BoundedTarInputStream;
import dev.relpack.io.Sha256;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads what relpack needs from a {@code docker save} archive, and rejects what jib cannot use. */
final class DockerArchive {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerArchive() {}

  /** The archive's first image: its tag if it has one, the digest of its config, its platform. */
  record Summary(Optional<String> repoTag, String configDigest, BasePlatform platform) {}

  static Summary read(Path tar) {
    if (!Files.isRegularFile(tar)) {
      throw new BadInputException("--from tar:" + tar + ": no such file");
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar))) {
      raw.mark(2);
      if (raw.read() == 0x1f && raw.read() == 0x8b) {
        throw new BadInputException("--from tar:" + tar + " is gzip-compressed; jib reads"
            + " uncompressed docker-archive files: gunzip it first");
      }
      raw.reset();
      Map<String, byte[]> small = new HashMap<>();
      try (TarArchiveInputStream in = new BoundedTarInputStream(raw, "--from tar:" + tar)) {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
          if (e.isFile() && e.getSize() < (8 << 20) && e.getName().endsWith(".json")) {
            small.put(strip(e.getName()), in.readAllBytes());
          }
        }
      }
      byte[] manifestBytes = small.get("manifest.json");
      if (manifestBytes == null) {
        throw new BadInputException("--from tar:" + tar + " is not a docker-archive (`docker save`)"
            + " tarball: it has no manifest.json" + (small.containsKey("index.json")
            ? "; it looks like an OCI layout: unpack it and use --from oci:DIR" : ""));
      }
      JsonNode image = JSON.readTree(manifestBytes).path(0);
      String config = strip(image.path("Config").asText(""));
      byte[] configBytes = small.get(config);
      if (configBytes == null) {
        throw new BadInputException("--from tar:" + tar + ": manifest.json names config " + config
            + ", which is not in the archive");
      }
      JsonNode tags = image.path("RepoTags");
      Optional<String> tag = tags.isArray() && tags.size() > 0
          ? Optional.of(tags.get(0).asText()) : Optional.empty();
      return new Summary(tag, "sha256:" + java.util.HexFormat.of().formatHex(
          Sha256.newDigest().digest(configBytes)), BasePlatform.ofConfig(JSON.readTree(configBytes)));
    } catch (IOException e) {
      throw new BadInputException("--from tar:" + tar + " is not a readable tar archive: "
          + e.getMessage(), e);
    }
  }

  private static String strip(String name) {
    return name.startsWith("./") ? name.substring(2) : name;
  }
}
