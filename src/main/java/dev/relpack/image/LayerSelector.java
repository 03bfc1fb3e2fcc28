package dev.relpack.image;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.common.collect.ImmutableList; // the type jib's selector takes
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.DigestException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The key jib's cache files a layer's blob under (its "selector"): the SHA-256 of the JSON list
 * of the layer's entries, sorted, each with its source file, extraction path, the source's and
 * the entry's modification times, permissions and ownership.
 *
 * <p>jib makes that JSON with Jackson's data binding, whose first use costs a fresh JVM about
 * 30 ms (a mapper with the Java time module, the template's properties read through annotation
 * proxies spun at run time), and a one-module change needs no other JSON of jib's. So for the
 * entries every release has, names of printable ASCII and times after the epoch, the same JSON
 * is written here, byte for byte ({@code LayerSelectorTest} compares it with jib's own); for
 * any other entry (a name JSON escapes, a time Jackson writes in its own way) jib's own call
 * makes it.
 */
final class LayerSelector {
  private static final Comparator<Entry> JIB_ORDER = Comparator.comparing(Entry::sourceFile)
      .thenComparing(Entry::extractionPath).thenComparing(Entry::sourceModificationTime)
      .thenComparing(Entry::targetModificationTime).thenComparing(Entry::permissions)
      .thenComparing(Entry::ownership);

  private LayerSelector() {}

  /** One entry as jib's template holds it. */
  private record Entry(String sourceFile, String extractionPath, Instant sourceModificationTime,
      Instant targetModificationTime, String permissions, String ownership) {
    static Entry of(FileEntry entry) throws IOException {
      return new Entry(entry.getSourceFile().toAbsolutePath().toString(),
          entry.getExtractionPath().toString(),
          Files.getLastModifiedTime(entry.getSourceFile()).toInstant(),
          entry.getModificationTime(), entry.getPermissions().toOctalString(),
          entry.getOwnership());
    }

    boolean plain() {
      return ownership != null && plain(sourceFile) && plain(extractionPath)
          && plain(permissions) && plain(ownership)
          && sourceModificationTime.getEpochSecond() > 0
          && targetModificationTime.getEpochSecond() > 0;
    }

    /** Written by Jackson as it is: printable ASCII, no quote or backslash to escape. */
    private static boolean plain(String text) {
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
          return false;
        }
      }
      return true;
    }

    void appendTo(StringBuilder json) {
      json.append("{\"sourceFile\":\"").append(sourceFile)
          .append("\",\"extractionPath\":\"").append(extractionPath)
          .append("\",\"sourceModificationTime\":");
      appendTime(json, sourceModificationTime);
      json.append(",\"targetModificationTime\":");
      appendTime(json, targetModificationTime);
      json.append(",\"permissions\":\"").append(permissions)
          .append("\",\"ownership\":\"").append(ownership).append("\"}");
    }

    /** Seconds and nanoseconds, as Jackson's Java time module writes an instant after 1970. */
    private static void appendTime(StringBuilder json, Instant time) {
      String nanos = Integer.toString(time.getNano());
      json.append(time.getEpochSecond()).append('.').append("000000000", nanos.length(), 9)
          .append(nanos);
    }
  }

  /**
   * jib's key for the layer: computed here when its entries are plain, else by jib's own call;
   * empty when a source file's time cannot be read or jib no longer has that call.
   */
  static Optional<DescriptorDigest> of(FileEntriesLayer layer) {
    try {
      Optional<DescriptorDigest> plain = plain(layer);
      return Optional.of(plain.isPresent() ? plain.get() : ofJib(layer));
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * jib's key for a layer whose entries are all plain, computed here; empty for any other layer.
   *
   * @throws IOException when a source file's time cannot be read (jib could not either)
   */
  static Optional<DescriptorDigest> plain(FileEntriesLayer layer) throws IOException {
    Optional<String> json = json(layer.getEntries());
    if (json.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(DescriptorDigest.fromHash(
          Sha256.of(json.get().getBytes(StandardCharsets.US_ASCII))));
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 gave no digest", e);
    }
  }

  /** The JSON jib hashes for these entries, when all are plain. */
  static Optional<String> json(List<FileEntry> entries) throws IOException {
    List<Entry> sorted = new ArrayList<>(entries.size());
    for (FileEntry entry : entries) {
      Entry one = Entry.of(entry);
      if (!one.plain()) {
        return Optional.empty();
      }
      sorted.add(one);
    }
    sorted.sort(JIB_ORDER);
    StringBuilder json = new StringBuilder(entries.size() * 200 + 2).append('[');
    for (int i = 0; i < sorted.size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      sorted.get(i).appendTo(json);
    }
    return Optional.of(json.append(']').toString());
  }

  /**
   * jib's own key, through the package-private call jib makes it with (it has no public one).
   * The key made above must stay equal to it, or a layer would silently never be found:
   * {@code LayerSelectorTest} compares the two, and a jib upgrade must pass it.
   */
  static DescriptorDigest ofJib(FileEntriesLayer layer) throws ReflectiveOperationException {
    Method generate = Class.forName("com.google.cloud.tools.jib.cache.LayerEntriesSelector")
        .getDeclaredMethod("generateSelector", ImmutableList.class);
    generate.setAccessible(true);
    try {
      return (DescriptorDigest) generate.invoke(null, ImmutableList.copyOf(layer.getEntries()));
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r; // what jib itself throws, as a direct call would
      }
      throw e;
    }
  }
}
