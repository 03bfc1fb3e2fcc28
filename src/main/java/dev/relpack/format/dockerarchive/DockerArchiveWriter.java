package dev.relpack.format.dockerarchive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.io.Sha256;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes {@code docker save} archives, the only local format jib reads as a base: a config and
 * gzipped layers (jib then uses them as is), each named by its digest ({@link
 * DockerArchiveNames}), then {@code manifest.json}.
 */
public final class DockerArchiveWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerArchiveWriter() {}

  /** The written archive: where it is and the digest of its config (the image ID). */
  public record Written(Path archive, String configDigest) {}

  /** What goes into the one layer of an archive {@link #write} makes. */
  @FunctionalInterface
  public interface LayerContent {
    void writeTo(LayerEntries layer) throws IOException;
  }

  /**
   * Writes a one-layer image. Entries are written in the order given, owned by root and dated at
   * the epoch, so the same files always give the same bytes.
   */
  public static Written write(Path archive, LayerContent content, String architecture,
      List<String> env, String comment) throws IOException {
    Path layer = Files.createTempFile(archive.getParent(), "layer", ".tar.gz");
    try {
      String diffId = writeLayer(layer, content);
      byte[] config = config(architecture, env, diffId, comment);
      String configDigest = "sha256:" + hex(config);
      String layerDigest = "sha256:" + Sha256.of(layer);
      byte[] manifest = manifest(configDigest, List.of(layerDigest));
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
          new BufferedOutputStream(Files.newOutputStream(archive)), "UTF-8")) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        addBytes(tar, DockerArchiveNames.config(configDigest), config);
        TarArchiveEntry entry = new TarArchiveEntry(DockerArchiveNames.layer(layerDigest));
        entry.setSize(Files.size(layer));
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        Files.copy(layer, tar);
        tar.closeArchiveEntry();
        addBytes(tar, DockerArchiveNames.MANIFEST, manifest);
      }
      return new Written(archive, configDigest);
    } finally {
      Files.deleteIfExists(layer);
    }
  }

  /** A blob copied into an archive as it is: the digest that names it, the file that holds it. */
  public record Blob(String digest, Path file) {}

  /** Told the digest a copied blob has ({@code sha256:HEX}); throws if it is not the expected one. */
  @FunctionalInterface
  public interface DigestCheck {
    void check(String actual, String expected);
  }

  /**
   * Writes an image whose config and gzipped layers are files already (an OCI layout's blobs), so
   * that its layer digests stay what they are; each blob is checked with {@code check} once it is
   * copied. The entries are those {@link #names} gives, in that order.
   */
  public static void write(Path archive, Blob config, List<Blob> layers, DigestCheck check)
      throws IOException {
    byte[] manifest = manifest(config.digest(), digests(layers));
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(archive)), "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      copy(tar, DockerArchiveNames.config(config.digest()), config, check);
      for (Blob layer : layers) {
        copy(tar, DockerArchiveNames.layer(layer.digest()), layer, check);
      }
      TarArchiveEntry entry = new TarArchiveEntry(DockerArchiveNames.MANIFEST);
      entry.setSize(manifest.length);
      tar.putArchiveEntry(entry);
      tar.write(manifest);
      tar.closeArchiveEntry();
    }
  }

  /** The names of the blobs an archive of this config and these layers holds, in order. */
  public static List<String> names(String configDigest, List<String> layerDigests) {
    List<String> names = new ArrayList<>(List.of(DockerArchiveNames.config(configDigest)));
    layerDigests.forEach(layer -> names.add(DockerArchiveNames.layer(layer)));
    return names;
  }

  /** The {@code manifest.json} of an archive of one image: its config and its layers, in order. */
  public static byte[] manifest(String configDigest, List<String> layerDigests)
      throws IOException {
    ArrayNode layerNames = JSON.createArrayNode();
    layerDigests.forEach(layer -> layerNames.add(DockerArchiveNames.layer(layer)));
    return JSON.writeValueAsBytes(JSON.createArrayNode().add(JSON.createObjectNode()
        .put("Config", DockerArchiveNames.config(configDigest)).set("Layers", layerNames)));
  }

  private static List<String> digests(List<Blob> blobs) {
    return blobs.stream().map(Blob::digest).toList();
  }

  /** Copies a blob into the archive, checking on the way that it is what its digest says. */
  private static void copy(TarArchiveOutputStream tar, String name, Blob blob, DigestCheck check)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(Files.size(blob.file()));
    tar.putArchiveEntry(entry);
    MessageDigest sha256 = Sha256.newDigest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(blob.file()), sha256)) {
      in.transferTo(tar);
    }
    tar.closeArchiveEntry();
    check.check("sha256:" + HexFormat.of().formatHex(sha256.digest()), blob.digest());
  }

  /** Writes the gzipped layer and returns its diff ID (digest of the uncompressed tar). */
  private static String writeLayer(Path layer, LayerContent content) throws IOException {
    MessageDigest diff = Sha256.newDigest();
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(layer));
        GZIPOutputStream gzip = new GZIPOutputStream(file);
        DigestOutputStream digesting = new DigestOutputStream(gzip, diff);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(digesting, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      content.writeTo(new LayerEntries(tar));
    }
    return "sha256:" + HexFormat.of().formatHex(diff.digest());
  }

  /** The entries of a layer being written, each owned by root and dated at the epoch. */
  public static final class LayerEntries {
    private final TarArchiveOutputStream tar;

    private LayerEntries(TarArchiveOutputStream tar) {
      this.tar = tar;
    }

    /** @param path absolute, in the image */
    public void directory(String path, int mode) throws IOException {
      put(new TarArchiveEntry(path.substring(1) + "/"), 040000 | mode, 0);
      tar.closeArchiveEntry();
    }

    public void symlink(String path, String target) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(path.substring(1), TarConstants.LF_SYMLINK);
      entry.setLinkName(target);
      put(entry, 0120777, 0);
      tar.closeArchiveEntry();
    }

    /** A regular file with the bytes of {@code source}. */
    public void file(String path, int mode, Path source) throws IOException {
      put(new TarArchiveEntry(path.substring(1)), 0100000 | mode, Files.size(source));
      Files.copy(source, tar);
      tar.closeArchiveEntry();
    }

    /** A regular file with the bytes {@code content}. */
    public void file(String path, int mode, byte[] content) throws IOException {
      put(new TarArchiveEntry(path.substring(1)), 0100000 | mode, content.length);
      tar.write(content);
      tar.closeArchiveEntry();
    }

    private void put(TarArchiveEntry entry, int mode, long size) throws IOException {
      entry.setMode(mode);
      entry.setSize(size);
      entry.setModTime(0);
      entry.setIds(0, 0);
      entry.setNames("", "");
      tar.putArchiveEntry(entry);
    }
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
