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
import java.util.HashSet;
import java.util.Set;
import dev.relpack.io.Printable;
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
      Set<String> files = new HashSet<>();
      try (TarArchiveInputStream in = new BoundedTarInputStream(raw, "--from tar:" + tar)) {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
          String name = checkedName(tar, e);
          if (e.isFile()) {
            files.add(name);
          }
          if (e.isFile() && e.getSize() < (8 << 20) && name.endsWith(".json")) {
            small.put(name, in.readAllBytes());
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
      for (JsonNode layer : image.path("Layers")) {
        if (!files.contains(layer.asText())) {
          throw new BadInputException("--from tar:" + tar + ": manifest.json names layer "
              + Printable.of(layer.asText()) + ", which is not a file in the archive; a base"
              + " archive may only name its own files");
        }
      }
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

  /**
   * jib unpacks the archive and opens the files manifest.json names, so an entry must be a plain
   * file or directory with a name inside the archive: a link or a {@code ..} would let the base
   * name any file of this machine as one of its layers.
   */
  private static String checkedName(Path tar, TarArchiveEntry entry) {
    String name = strip(entry.getName());
    boolean inside = !name.startsWith("/") && java.util.Arrays.stream(name.split("/"))
        .noneMatch(part -> part.equals(".."));
    if (!inside || !(entry.isFile() || entry.isDirectory()) || entry.isLink()
        || entry.isSymbolicLink()) {
      throw new BadInputException("--from tar:" + tar + ": entry " + Printable.of(entry.getName())
          + (inside ? " is a link or special file" : " points outside the archive")
          + "; a docker-archive holds only files and directories: save the image again");
    }
    return name;
  }

  private static String strip(String name) {
    return name.startsWith("./") ? name.substring(2) : name;
  }
}
