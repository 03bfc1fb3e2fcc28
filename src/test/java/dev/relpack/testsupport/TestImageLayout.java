package dev.relpack.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.format.MediaTypes;
import dev.relpack.format.ocilayout.OciLayoutNames;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes an OCI image layout holding one linux/amd64 image made of {@link TestLayer}s, written
 * here entry by entry (Java, commons-compress, gzip) so that each layer holds exactly what the
 * test asked for: no tool decides which whiteouts, links or directories end up in a layer.
 * Every entry belongs to root and has a fixed time, so the same layers give the same digests.
 */
public final class TestImageLayout {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Date MTIME = Date.from(Instant.parse("2024-01-01T00:00:00Z"));

  private TestImageLayout() {}

  /**
   * Writes {@code layout} (which must not exist yet) with one image tagged {@code ref}.
   *
   * @param env the config's Env, as NAME=value
   */
  public static void write(Path layout, String ref, List<TestLayer> layers, List<String> env)
      throws IOException {
    if (Files.exists(layout)) {
      throw new IllegalArgumentException(layout + " exists already");
    }
    Path blobs = Files.createDirectories(layout.resolve(OciLayoutNames.BLOBS));
    ArrayNode layerDescriptors = JSON.createArrayNode();
    ArrayNode diffIds = JSON.createArrayNode();
    ArrayNode history = JSON.createArrayNode();
    for (TestLayer layer : layers) {
      Path tmp = Files.createTempFile(blobs, "layer", ".tmp");
      MessageDigest uncompressed = sha256();
      MessageDigest compressed = sha256();
      try (OutputStream file = Files.newOutputStream(tmp);
          DigestOutputStream blob = new DigestOutputStream(file, compressed);
          GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(blob, fast());
          DigestOutputStream tarBytes = new DigestOutputStream(gzip, uncompressed);
          TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        writeEntries(tar, layer);
        tar.finish();
      }
      String blobHex = hex(compressed); // digest() resets the MessageDigest: read it once
      long size = Files.size(tmp);
      Files.move(tmp, blobs.resolve(blobHex), StandardCopyOption.REPLACE_EXISTING);
      layerDescriptors.addObject().put("mediaType", MediaTypes.OCI_LAYER_GZIP).put("digest", "sha256:" + blobHex)
          .put("size", size);
      diffIds.add("sha256:" + hex(uncompressed));
      history.addObject().put("created", "2024-01-01T00:00:00Z")
          .put("created_by", "relpack test base, layer " + diffIds.size());
    }
    ObjectNode config = JSON.createObjectNode()
        .put("created", "2024-01-01T00:00:00Z").put("architecture", "amd64").put("os", "linux");
    ArrayNode envArray = config.putObject("config").putArray("Env");
    env.forEach(envArray::add);
    config.putObject("rootfs").put("type", "layers").set("diff_ids", diffIds);
    config.set("history", history);
    ObjectNode configDescriptor = writeBlob(blobs, config, MediaTypes.OCI_CONFIG);

    ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.set("config", configDescriptor);
    manifest.set("layers", layerDescriptors);
    ObjectNode manifestDescriptor =
        writeBlob(blobs, manifest, MediaTypes.OCI_MANIFEST);
    manifestDescriptor.putObject("annotations").put(OciLayoutNames.REF_NAME, ref);

    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", MediaTypes.OCI_INDEX);
    index.putArray("manifests").add(manifestDescriptor);
    Files.write(layout.resolve(OciLayoutNames.INDEX), JSON.writeValueAsBytes(index));
    Files.writeString(layout.resolve(OciLayoutNames.MARKER), OciLayoutNames.MARKER_CONTENT);
  }

  /**
   * The entries in order, each preceded by the directories leading to it that the layer does not
   * write itself (as docker and buildah write layers), so the layer unpacks on its own.
   */
  private static void writeEntries(TarArchiveOutputStream tar, TestLayer layer) throws IOException {
    Set<String> written = new HashSet<>();
    for (TestLayer.Entry entry : layer.entries()) {
      String name = entry.path().substring(1);
      List<String> missing = new ArrayList<>();
      for (String dir = parentOf(name); !dir.isEmpty() && !written.contains(dir); dir = parentOf(dir)) {
        missing.add(0, dir);
      }
      for (String dir : missing) {
        put(tar, directory(dir, 0755), null);
        written.add(dir);
      }
      boolean seen = !written.add(name);
      writeEntry(tar, entry, name, seen);
    }
  }

  /** @param seen whether the layer wrote something at this path already */
  private static void writeEntry(TarArchiveOutputStream tar, TestLayer.Entry entry, String name,
      boolean seen) throws IOException {
    if (entry instanceof TestLayer.CopiedFile f) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setMode(0100000 | modeOf(f.source()));
      e.setSize(Files.size(f.source()));
      put(tar, e, f.source());
    } else if (entry instanceof TestLayer.TextFile t) {
      byte[] bytes = t.text().getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setMode(0100000 | t.mode());
      e.setSize(bytes.length);
      owned(e);
      tar.putArchiveEntry(e);
      tar.write(bytes);
      tar.closeArchiveEntry();
    } else if (entry instanceof TestLayer.Directory d) {
      put(tar, directory(name, d.mode()), null);
    } else if (entry instanceof TestLayer.Symlink s) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(s.target());
      e.setMode(0120777);
      put(tar, e, null);
    } else if (entry instanceof TestLayer.HardLink h) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
      e.setLinkName(h.target().substring(1));
      e.setMode(0100755);
      put(tar, e, null);
    } else if (entry instanceof TestLayer.Whiteout) {
      put(tar, marker(join(parentOf(name), ".wh." + fileName(name))), null);
    } else if (entry instanceof TestLayer.Opaque) {
      if (!seen) {
        put(tar, directory(name, 0755), null);
      }
      put(tar, marker(name + "/.wh..wh..opq"), null);
    }
  }

  /** An empty file whose name is the message (a whiteout). */
  private static TarArchiveEntry marker(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100644);
    return e;
  }

  private static TarArchiveEntry directory(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name + "/");
    e.setMode(040000 | mode);
    return e;
  }

  private static void put(TarArchiveOutputStream tar, TarArchiveEntry entry, Path content)
      throws IOException {
    owned(entry);
    tar.putArchiveEntry(entry);
    if (content != null) {
      Files.copy(content, tar);
    }
    tar.closeArchiveEntry();
  }

  private static void owned(TarArchiveEntry entry) {
    entry.setUserId(0);
    entry.setGroupId(0);
    entry.setUserName("root");
    entry.setGroupName("root");
    entry.setModTime(MTIME);
  }

  private static int modeOf(Path file) throws IOException {
    int mode = 0;
    for (PosixFilePermission p : Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)) {
      mode |= 1 << (8 - p.ordinal());
    }
    return mode;
  }

  private static String parentOf(String name) {
    int slash = name.lastIndexOf('/');
    return slash < 0 ? "" : name.substring(0, slash);
  }

  private static String fileName(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  private static String join(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }

  private static ObjectNode writeBlob(Path blobs, ObjectNode content, String mediaType)
      throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(content);
    MessageDigest digest = sha256();
    String hex = hex(digest, bytes);
    Files.write(blobs.resolve(hex), bytes);
    return JSON.createObjectNode().put("mediaType", mediaType).put("digest", "sha256:" + hex)
        .put("size", bytes.length);
  }

  private static GzipParameters fast() {
    GzipParameters parameters = new GzipParameters();
    parameters.setCompressionLevel(Deflater.BEST_SPEED);
    return parameters;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String hex(MessageDigest digest, byte[] bytes) {
    return HexFormat.of().formatHex(digest.digest(bytes));
  }
}
