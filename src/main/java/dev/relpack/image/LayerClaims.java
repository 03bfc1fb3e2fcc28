package dev.relpack.image;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.cache.CachedLayer;
import dev.relpack.io.PrivatePaths;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestException;
import java.time.Instant;
import java.util.Optional;

/**
 * Which of jib's cache lookups this user has found true, kept in this user's private state: that
 * the layer jib's cache finds for a layer's files (through its selector, the digest of their list)
 * is made of those files. jib believes its {@code selectors/} and the diff IDs in its entries' names, and
 * whoever can write a shared cache can write both: a planted selector naming a layer of their
 * making, stored consistently with its digest, would put that layer in the image. A lookup this
 * user has not found true is checked byte for byte before it is used ({@link LayerCache}).
 */
public final class LayerClaims {
  private final Optional<Path> dir;

  /** @param dir where the claims found true are kept (made 0700); empty to keep none */
  public LayerClaims(Optional<Path> dir) {
    this.dir = dir;
  }

  /** None kept: every lookup is checked. */
  public static LayerClaims none() {
    return new LayerClaims(Optional.empty());
  }

  /** Whether this user found that jib's cache has {@code cached} for {@code layer}'s files. */
  boolean holds(FileEntriesLayer layer, CachedLayer cached) {
    return claim(layer).holds(cached);
  }

  /**
   * What this user's private state says of {@code layer}'s files, its key computed and its
   * record read once for every question a build asks of it.
   */
  Claim claim(FileEntriesLayer layer) {
    String key = key(layer);
    return new Claim(key, dir.isPresent() ? read(key) : Optional.empty());
  }

  /** @param recorded the line kept for {@code key}: {@code DIGEST DIFF_ID} */
  record Claim(String key, Optional<String> recorded) {
    /** Whether it records that jib's cache has {@code cached} for the layer's files. */
    boolean holds(CachedLayer cached) {
      return recorded.filter(line(cached)::equals).isPresent();
    }

    /**
     * The blob it records, for a caller that takes the blob itself and not jib's selector,
     * which it then need not compute.
     */
    Optional<DescriptorDigest> blob() {
      try {
        return recorded.isEmpty() ? Optional.empty() : Optional.of(DescriptorDigest.fromDigest(
            recorded.get().substring(0, recorded.get().indexOf(' '))));
      } catch (DigestException | RuntimeException e) {
        return Optional.empty(); // not a line this writes: the lookup goes through jib
      }
    }
  }

  /** Records {@code cached} under {@code claim}'s key. */
  void record(Claim claim, CachedLayer cached) {
    write(claim.key(), line(cached));
  }

  /** Records that jib's cache has {@code cached} for {@code layer}'s files: built or checked here. */
  void record(FileEntriesLayer layer, CachedLayer cached) {
    write(key(layer), line(cached));
  }

  /**
   * Whether this user found that jib's entry for a layer of an archive base (found by its diff
   * ID) decompresses to that diff ID.
   */
  boolean holdsBase(CachedLayer cached) {
    return dir.isPresent() && read(baseKey(cached)).filter(line(cached)::equals).isPresent();
  }

  /** Records that jib's entry for a layer of an archive base decompresses to its diff ID. */
  void recordBase(CachedLayer cached) {
    write(baseKey(cached), line(cached));
  }

  private static String baseKey(CachedLayer cached) {
    return Sha256.of("archive base layer " + cached.getDiffId());
  }

  private Optional<String> read(String key) {
    try {
      return PrivatePaths.readMine(dir.get().resolve(key))
          .map(bytes -> new String(bytes, StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // checked instead: a claim is only ever a shortcut
    }
  }

  private void write(String key, String line) {
    if (dir.isEmpty()) {
      return;
    }
    try {
      PrivatePaths.writeMine(dir.get().resolve(key), line.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      // not kept: the next build checks the layer again
    }
  }

  /**
   * What the claim is about: every entry's source, path in the image, mode, time and owner, in
   * order, as one digest. Not jib's selector, which serialises each entry to JSON, at several
   * times the cost; any other order or entry gives another key, and so a check, never a wrong
   * answer. The sources' bytes are not in it, as they are not in jib's selector: they are in
   * relpack's content store, checked against their digests by each build before it is planned.
   */
  static String key(FileEntriesLayer layer) {
    StringBuilder text = new StringBuilder(layer.getName()).append('\n');
    // a layer's entries share one time, jib's default: its text (Instant.toString, through the
    // ISO formatter) is made once, not for each of hundreds of entries, where it took 11 of the
    // 20 JFR samples of this method in 7 one-module changes of the demo
    Instant time = null;
    String timeText = null;
    for (FileEntry entry : layer.getEntries()) {
      if (!entry.getModificationTime().equals(time)) {
        time = entry.getModificationTime();
        timeText = time.toString();
      }
      text.append(entry.getSourceFile()).append('\0').append(entry.getExtractionPath())
          .append('\0').append(entry.getPermissions().toOctalString()).append('\0')
          .append(timeText).append('\0').append(entry.getOwnership()).append('\n');
    }
    return Sha256.of(text.toString());
  }

  private static String line(CachedLayer layer) {
    return layer.getDigest() + " " + layer.getDiffId() + "\n";
  }
}
