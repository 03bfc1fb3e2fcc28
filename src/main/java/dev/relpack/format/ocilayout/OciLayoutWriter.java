package dev.relpack.format.ocilayout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.nio.file.LinkOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;
import dev.relpack.format.ConfigRewrite;
import dev.relpack.format.CorruptBlobException;
import dev.relpack.format.referrers.ReferrersIndex;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.Sha256;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Adds an image from jib's OCI tarball to an OCI image layout directory, creating it if needed.
 * Blobs go in first (content-addressed, so existing ones are kept); {@code index.json} is replaced
 * last, atomically, with one entry per tag. A reader never sees an index pointing at a missing blob,
 * and other images in the layout stay.
 *
 * <p>Every blob is checked against its digest: one jib wrote must match (else its cache gave it
 * bad content, {@link CorruptBlobException}), and one already in the layout is kept only if it
 * matches; a corrupt one is reported and replaced.
 */
public final class OciLayoutWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Blob entries of jib's OCI tarball, whose layout is an OCI layout too. */
  private static final String BLOB_PREFIX = OciLayoutNames.BLOBS + "/";

  /** The most bytes of jib's index, manifest or config held in memory. */
  private static final long SMALL_ENTRY_LIMIT = 8L * 1024 * 1024;

  private OciLayoutWriter() {}

  /** Gives a build the layout's index to itself (other builds wait) until closed. */
  @FunctionalInterface
  public interface IndexTurn {
    Closeable take() throws IOException;
  }

  /** Adds the image in {@code ociTar} as it is; see the overload below. */
  public static JsonNode add(Path ociTar, Path layout, List<String> tags, IndexTurn turn,
      Consumer<String> warn) throws IOException {
    return add(ociTar, layout, tags, turn, warn, config -> config, Map.of());
  }

  /** How the image's config changes on its way into the layout; returns its argument if not. */
  @FunctionalInterface
  public interface ConfigChange {
    byte[] apply(byte[] config) throws IOException;
  }

  /**
   * Adds the image in {@code ociTar} to {@code layout} under {@code tags}, its config changed by
   * {@code change} and its manifest given {@code annotations}; returns the descriptor of the manifest the tags point at. Blobs are
   * content-addressed and written atomically, so only the index needs {@code turn}. When the
   * config or manifest changes, jib's config and manifest are not written: the layout holds only
   * the image as changed, and a layout built from the same input has the same digest as a push
   * of it.
   */
  public static JsonNode add(Path ociTar, Path layout, List<String> tags, IndexTurn turn,
      Consumer<String> warn, ConfigChange change, Map<String, String> annotations)
      throws IOException {
    Path blobs = layout.resolve(OciLayoutNames.BLOBS);
    Files.createDirectories(blobs);
    byte[] indexBytes = entry(ociTar, OciLayoutNames.INDEX);
    JsonNode jibIndex = indexBytes == null ? null : JSON.readTree(indexBytes);
    if (jibIndex == null || !jibIndex.path("manifests").has(0)) {
      writeBlobs(ociTar, blobs, Set.of(), warn); // a corrupt blob is what to report, if any
      throw new IOException("jib's OCI tarball has no " + OciLayoutNames.INDEX);
    }
    ObjectNode manifest = (ObjectNode) jibIndex.path("manifests").get(0).deepCopy();
    String manifestHash = hash(manifest.path("digest").asText());
    byte[] manifestBytes = required(entry(ociTar, BLOB_PREFIX + manifestHash), manifestHash);
    String configHash = hash(JSON.readTree(manifestBytes).path("config").path("digest").asText());
    byte[] config = required(entry(ociTar, BLOB_PREFIX + configHash), configHash);
    byte[] changed = change.apply(config);
    byte[] newManifest = ConfigRewrite.annotate(changed == config ? manifestBytes
        : ConfigRewrite.configDescriptor(manifestBytes, "sha256:" + Sha256.of(changed),
            changed.length), annotations);
    boolean replaced = newManifest != manifestBytes;
    writeBlobs(ociTar, blobs, replaced ? Set.of(manifestHash, configHash) : Set.of(), warn);
    if (replaced) {
      String newConfig = "sha256:" + Sha256.of(changed);
      writeBlob(new ByteArrayInputStream(changed), blobs.resolve(hash(newConfig)), warn);
      String newDigest = "sha256:" + Sha256.of(newManifest);
      writeBlob(new ByteArrayInputStream(newManifest), blobs.resolve(hash(newDigest)), warn);
      manifest.put("digest", newDigest).put("size", newManifest.length);
    }
    Path marker = layout.resolve(OciLayoutNames.MARKER);
    if (!Files.exists(marker)) {
      // the marker before the index: a layout half written is still recognised as one
      AtomicFiles.write(marker, OciLayoutNames.MARKER_CONTENT);
    }
    try (Closeable mine = turn.take()) {
      writeIndex(layout, manifest, tags);
    }
    return manifest;
  }

  /** Writes the blobs of jib's tarball, but those in {@code skipped}. */
  private static void writeBlobs(Path ociTar, Path blobs, Set<String> skipped,
      Consumer<String> warn) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(ociTar)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        String name = entry.getName();
        if (name.startsWith(BLOB_PREFIX) && name.matches(BLOB_PREFIX + "[0-9a-f]{64}")
            && !skipped.contains(name.substring(BLOB_PREFIX.length()))) {
          writeBlob(tar, blobs.resolve(name.substring(BLOB_PREFIX.length())), warn);
        }
      }
    }
  }

  /**
   * The content of one small entry of jib's tarball (its index, manifest or config), or null if
   * it has none, read in a
   * pass of its own: the tarball is a local file, and the passes skip the layers by seeking.
   */
  private static byte[] entry(Path ociTar, String name) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(ociTar)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        if (entry.getName().equals(name)) {
          if (entry.getSize() > SMALL_ENTRY_LIMIT) {
            throw new IOException("jib's OCI tarball holds " + name + " of " + entry.getSize()
                + " bytes, more than a manifest or config may be");
          }
          return tar.readAllBytes();
        }
      }
    }
    return null;
  }

  private static byte[] required(byte[] blob, String hash) throws IOException {
    if (blob == null) {
      throw new IOException("jib's OCI tarball has no blob sha256:" + hash);
    }
    return blob;
  }

  /** The hex part of a sha256 digest, checked: it becomes a file name. */
  private static String hash(String digest) throws IOException {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IOException("jib's OCI tarball names a blob " + digest + ", not a sha256 digest");
    }
    return digest.substring("sha256:".length());
  }

  private static void writeBlob(InputStream in, Path blob, Consumer<String> warn)
      throws IOException {
    String expected = blob.getFileName().toString();
    if (Files.exists(blob)) {
      if (Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS) && Sha256.of(blob).equals(expected)) {
        return;
      }
      warn.accept("blob sha256:" + expected + " in " + blob.getParent().getParent().getParent()
          + " does not match its digest (changed or corrupt); writing it again");
    }
    AtomicFiles.write(blob, tmp -> {
      MessageDigest digest = Sha256.newDigest();
      Files.copy(new DigestInputStream(in, digest), tmp, StandardCopyOption.REPLACE_EXISTING);
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equals(expected)) {
        throw new CorruptBlobException("sha256:" + expected);
      }
    });
  }

  /** Points each of {@code tags} at {@code manifest} (a descriptor) in the layout's index. */
  public static void writeIndex(Path layout, JsonNode manifest, List<String> tags)
      throws IOException {
    ObjectNode index = readIndex(layout);
    ArrayNode kept = JSON.createArrayNode();
    for (JsonNode existing : index.path("manifests")) {
      String ref = existing.path("annotations").path(OciLayoutNames.REF_NAME).asText("");
      if (ref.isEmpty() || !tags.contains(ref)) {
        kept.add(existing);
      }
    }
    for (String tag : tags) {
      ObjectNode entry = JSON.createObjectNode()
          .put("mediaType", manifest.path("mediaType").asText())
          .put("digest", manifest.path("digest").asText())
          .put("size", manifest.path("size").asLong());
      entry.set("annotations", JSON.createObjectNode().put(OciLayoutNames.REF_NAME, tag));
      kept.add(entry);
    }
    index.set("manifests", kept);
    writeIndex(layout, index);
  }

  /**
   * Stores {@code content} as a blob of the layout (kept if it is there intact), for a manifest
   * relpack writes itself: an artifact and its manifest.
   */
  public static void addBlob(Path layout, byte[] content, Consumer<String> warn)
      throws IOException {
    writeBlob(new ByteArrayInputStream(content),
        layout.resolve(OciLayoutNames.BLOBS).resolve(Sha256.of(content)), warn);
  }

  /**
   * Lists {@code referrer}, a manifest whose {@code subject} is in the layout, in the layout's
   * index without a ref name, as image layout 1.1 lets an index list auxiliary descriptors and
   * as oras keeps referrers in a layout; every other entry stays. The caller holds the index's
   * turn.
   *
   * @return whether it was added (false when the index lists that manifest already)
   */
  public static boolean addReferrer(Path layout, ObjectNode referrer) throws IOException {
    ObjectNode index = readIndex(layout);
    if (!ReferrersIndex.add(index, referrer)) {
      return false;
    }
    writeIndex(layout, index);
    return true;
  }

  private static ObjectNode readIndex(Path layout) throws IOException {
    Path indexFile = layout.resolve(OciLayoutNames.INDEX);
    if (!Files.exists(indexFile)) {
      return ReferrersIndex.empty();
    }
    JsonNode index = JSON.readTree(indexFile.toFile());
    if (index == null || !index.isObject()) {
      throw new IOException(indexFile + " is not a JSON object");
    }
    return (ObjectNode) index;
  }

  private static void writeIndex(Path layout, ObjectNode index) throws IOException {
    AtomicFiles.write(layout.resolve(OciLayoutNames.INDEX),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
  }
}
