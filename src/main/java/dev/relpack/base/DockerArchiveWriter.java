package dev.relpack.base;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.base.RootfsEntry.Directory;
import dev.relpack.base.RootfsEntry.Generated;
import dev.relpack.base.RootfsEntry.RegularFile;
import dev.relpack.base.RootfsEntry.Symlink;
import dev.relpack.io.Sha256;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a one-layer image as a {@code docker save} archive, the only local format jib reads as a
 * base. The layer is gzipped (jib then uses it as is), entries are sorted, owned by root and dated
 * at the epoch, so the same files always give the same bytes.
 */
final class DockerArchiveWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerArchiveWriter() {}

  /** The written archive: where it is and the digest of its config (the image ID). */
  record Written(Path archive, String configDigest) {}

  static Written write(Path archive, List<RootfsEntry> entries, String architecture,
      List<String> env, String comment) throws IOException {
    Path layer = Files.createTempFile(archive.getParent(), "layer", ".tar.gz");
    try {
      String diffId = writeLayer(layer, entries);
      byte[] config = config(architecture, env, diffId, comment);
      String configHex = hex(config);
      String layerName = Sha256.of(layer) + ".tar.gz";
      byte[] manifest = JSON.writeValueAsBytes(JSON.createArrayNode().add(JSON.createObjectNode()
          .put("Config", configHex + ".json")
          .set("Layers", JSON.createArrayNode().add(layerName))));
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
          new BufferedOutputStream(Files.newOutputStream(archive)), "UTF-8")) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        addBytes(tar, configHex + ".json", config);
        TarArchiveEntry entry = new TarArchiveEntry(layerName);
        entry.setSize(Files.size(layer));
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        Files.copy(layer, tar);
        tar.closeArchiveEntry();
        addBytes(tar, "manifest.json", manifest);
      }
      return new Written(archive, "sha256:" + configHex);
    } finally {
      Files.deleteIfExists(layer);
    }
  }

  /** Writes the gzipped layer and returns its diff ID (digest of the uncompressed tar). */
  private static String writeLayer(Path layer, List<RootfsEntry> entries) throws IOException {
    MessageDigest diff = Sha256.newDigest();
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(layer));
        GZIPOutputStream gzip = new GZIPOutputStream(file);
        DigestOutputStream digesting = new DigestOutputStream(gzip, diff);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(digesting, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (RootfsEntry entry : entries) {
        String name = entry.path().substring(1);
        if (entry instanceof Directory dir) {
          put(tar, new TarArchiveEntry(name + "/"), 040000 | dir.mode(), 0);
        } else if (entry instanceof Symlink link) {
          TarArchiveEntry tarEntry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
          tarEntry.setLinkName(link.target());
          put(tar, tarEntry, 0120777, 0);
        } else if (entry instanceof RegularFile regular) {
          put(tar, new TarArchiveEntry(name), 0100000 | regular.mode(), Files.size(regular.source()));
          Files.copy(regular.source(), tar);
        } else if (entry instanceof Generated generated) {
          put(tar, new TarArchiveEntry(name), 0100000 | generated.mode(), generated.content().length);
          tar.write(generated.content());
        }
        tar.closeArchiveEntry();
      }
    }
    return "sha256:" + HexFormat.of().formatHex(diff.digest());
  }

  private static void put(TarArchiveOutputStream tar, TarArchiveEntry entry, int mode, long size)
      throws IOException {
    entry.setMode(mode);
    entry.setSize(size);
    entry.setModTime(0);
    entry.setIds(0, 0);
    entry.setNames("", "");
    tar.putArchiveEntry(entry);
  }

  private static void addBytes(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    entry.setModTime(0);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static byte[] config(String architecture, List<String> env, String diffId,
      String comment) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", architecture);
    config.put("os", "linux");
    config.put("created", "1970-01-01T00:00:00Z");
    ArrayNode envArray = JSON.createArrayNode();
    env.forEach(envArray::add);
    config.set("config", JSON.createObjectNode().set("Env", envArray));
    config.set("rootfs", JSON.createObjectNode().put("type", "layers")
        .set("diff_ids", JSON.createArrayNode().add(diffId)));
    config.set("history", JSON.createArrayNode().add(JSON.createObjectNode()
        .put("created", "1970-01-01T00:00:00Z")
        .put("created_by", "relpack")
        .put("comment", comment)));
    return JSON.writeValueAsBytes(config);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(Sha256.newDigest().digest(bytes));
  }
}
