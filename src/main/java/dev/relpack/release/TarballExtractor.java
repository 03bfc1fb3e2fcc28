package dev.relpack.release;

import dev.relpack.io.BoundedTarInputStream;
import dev.relpack.io.Printable;
import dev.relpack.io.PosixModes;
import dev.relpack.io.Sha256;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a release tarball (gzip-compressed or plain tar) into an empty directory, refusing
 * anything that could write outside it or exhaust the disk: absolute names, {@code ..}, entries
 * reached through a symlink, symlinks and hard links that resolve outside the release, devices and
 * fifos, and more bytes or entries than the limits allow (checked from the headers, before any data
 * is written). Symlinks are created last, after every file, so no write can follow one.
 *
 * <p>Each file is hashed as it is written, so the content store need not read it again
 * ({@link Unpacked#fileHashes()}).
 */
final class TarballExtractor {
  /** Linux's NAME_MAX. */
  private static final int MAX_NAME_BYTES = 255;
  /**
   * Half of PATH_MAX (4096): the entry is written under the cache directory, whose own path takes
   * part of PATH_MAX, and a longer one would fail there as a cache problem.
   */
  private static final int MAX_PATH_BYTES = 2048;
  private final Path tarball;
  private final Path dest;
  private final ExtractionLimits limits;
  private final Map<String, String> symlinks = new LinkedHashMap<>();
  private final Set<String> files = new HashSet<>();
  private final Set<String> directories = new HashSet<>();
  /** Directories known to exist under dest: creating each once saves a failing mkdir per file. */
  private final Set<Path> created = new HashSet<>();
  private final Map<Path, String> hashes = new HashMap<>();
  private final MessageDigest digest = Sha256.newDigest();
  private final byte[] buffer = new byte[64 * 1024];
  private long bytes;
  private int entries;

  private TarballExtractor(Path tarball, Path dest, ExtractionLimits limits) {
    this.tarball = tarball;
    this.dest = dest;
    this.limits = limits;
  }

  /**
   * What an extraction wrote.
   *
   * @param fileHashes the SHA-256 of each regular file written, by its path under the destination
   *     as given (hard links included, as the copies they became)
   * @param symlinks whether the tarball held symlinks (created under the destination)
   */
  record Unpacked(Map<Path, String> fileHashes, boolean symlinks) {}

  /** Extracts {@code tarball} into {@code dest}, which must exist and be empty. */
  static Unpacked extract(Path tarball, Path dest, ExtractionLimits limits) {
    TarballExtractor extractor = new TarballExtractor(tarball, dest, limits);
    extractor.run();
    return new Unpacked(Map.copyOf(extractor.hashes), !extractor.symlinks.isEmpty());
  }

  private void run() {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tarball));
        TarArchiveInputStream tar = new BoundedTarInputStream(decompressed(raw), "UTF-8",
            "release tarball " + tarball)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        extractEntry(tar, entry);
      }
      if (entries == 0) {
        throw bad("it is empty or not a tar archive");
      }
      createSymlinks();
    } catch (IOException e) {
      throw bad("it is not a readable tar or tar.gz archive (" + (e.getMessage() != null
          ? e.getMessage() : e.getClass().getSimpleName()) + ")");
    }
  }

  private static InputStream decompressed(InputStream raw) throws IOException {
    raw.mark(2);
    int first = raw.read();
    int second = raw.read();
    raw.reset();
    boolean gzip = first == 0x1f && second == 0x8b;
    return gzip ? new GzipCompressorInputStream(raw, true) : raw;
  }

  private void extractEntry(TarArchiveInputStream tar, TarArchiveEntry entry) throws IOException {
    if (++entries > limits.maxEntries()) {
      throw bad("it has more than " + limits.maxEntries() + " entries");
    }
    String name = safeName(entry.getName());
    if (name.isEmpty()) {
      return;
    }
    requireNotThroughSymlink(name);
    requireFreePlace(name, entry.isDirectory());
    // before isFile(): commons-compress calls any non-directory entry a file
    if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO() || entry.isSparse()) {
      throw bad("entry " + name + " is a device, fifo or other special file; a release holds only"
          + " files, directories and links");
    }
    if (entry.isDirectory()) {
      directories.add(name);
      createDirectories(dest.resolve(name));
    } else if (entry.isSymbolicLink()) {
      requireNew(name);
      requireShortPath(entry.getLinkName());
      symlinks.put(name, entry.getLinkName());
    } else if (entry.isLink()) {
      copyHardLink(name, entry.getLinkName());
    } else if (entry.isFile()) {
      writeFile(tar, entry, name);
    } else {
      throw bad("entry " + name + " is a device, fifo or other special file; a release holds only"
          + " files, directories and links");
    }
  }

  private void writeFile(TarArchiveInputStream tar, TarArchiveEntry entry, String name)
      throws IOException {
    requireNotSymlink(name);
    countBytes(entry.getSize(), name);
    Path target = dest.resolve(name);
    OutputStream out;
    try {
      createDirectories(target.getParent());
      out = Files.newOutputStream(target);
    } catch (IOException e) {
      throw new InternalException("cannot unpack into the cache " + dest + ": " + e.getMessage(), e);
    }
    long copied = 0;
    try (out) {
      for (int n; (n = tar.read(buffer)) > 0; copied += n) {
        digest.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    }
    if (copied != entry.getSize()) {
      throw bad("entry " + name + " is truncated");
    }
    setModeAndTime(target, (entry.getMode() & 0111) != 0, entry.getLastModifiedTime());
    hashes.put(target, HexFormat.of().formatHex(digest.digest()));
    files.add(name);
  }

  /** As {@link Files#createDirectories}, skipping the directories this extraction made. */
  private void createDirectories(Path dir) throws IOException {
    if (created.add(dir)) {
      Files.createDirectories(dir);
    }
  }

  private void copyHardLink(String name, String linkName) throws IOException {
    requireNotSymlink(name);
    String target = safeName(linkName);
    if (!files.contains(target)) {
      throw bad("hard link " + name + " -> " + linkName
          + " does not point to a file earlier in the archive");
    }
    Path source = dest.resolve(target);
    countBytes(Files.size(source), name);
    Path copy = dest.resolve(name);
    createDirectories(copy.getParent());
    Files.deleteIfExists(copy);
    Files.copy(source, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    hashes.put(copy, hashes.get(source));
    files.add(name);
  }

  private void createSymlinks() throws IOException {
    List<Path> created = new ArrayList<>();
    for (Map.Entry<String, String> link : symlinks.entrySet()) {
      String name = link.getKey();
      String target = link.getValue();
      Path lexical = dest.resolve(name).getParent().resolve(target).normalize();
      if (target.startsWith("/") || !lexical.startsWith(dest)) {
        throw bad("symlink " + name + " -> " + target + " points outside the release");
      }
      Path path = dest.resolve(name);
      createDirectories(path.getParent());
      Files.createSymbolicLink(path, Path.of(target));
      created.add(path);
    }
    // A chain of symlinks can escape even when each one alone stays inside: check what they
    // resolve to once all exist.
    Path realDest = dest.toRealPath();
    for (Path path : created) {
      String name = dest.relativize(path).toString();
      try {
        if (!path.toRealPath().startsWith(realDest)) {
          throw bad("symlink " + name + " resolves outside the release");
        }
      } catch (NoSuchFileException e) {
        throw bad("symlink " + name + " -> " + symlinks.get(name) + " points to nothing");
      }
    }
  }

  /** The entry name made relative and checked: never absolute, never with a {@code ..}. */
  private String safeName(String raw) {
    requireShortPath(raw);
    String name = raw;
    while (name.startsWith("./")) {
      name = name.substring(2);
    }
    if (name.startsWith("/")) {
      throw bad("entry " + raw + " has an absolute path");
    }
    StringBuilder clean = new StringBuilder();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw bad("entry " + raw + " contains '..' and could write outside the release");
      }
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (FileNames.hasControlCharacter(part)) {
        throw bad("an entry has a control character in its name: " + Printable.of(raw));
      }
      clean.append(clean.length() == 0 ? "" : "/").append(part);
    }
    return clean.toString();
  }

  /**
   * Refuses what the file system would refuse, as the input problem it is rather than as a failure
   * to write the cache: a path or component too long for Linux, an entry inside one that is a
   * file, and one path that is both a directory and something else. Records the parents as
   * directories.
   */
  private void requireFreePlace(String name, boolean directory) {
    for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
      String parent = name.substring(0, slash);
      if (files.contains(parent)) {
        throw bad("entry " + Printable.of(name) + " is inside " + Printable.of(parent) + ", which is a file");
      }
      directories.add(parent);
    }
    for (String part : name.split("/")) {
      if (part.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw bad("entry " + Printable.of(name) + " has a name longer than " + MAX_NAME_BYTES + " bytes");
      }
    }
    boolean taken = directory ? files.contains(name) || symlinks.containsKey(name)
        : directories.contains(name);
    if (taken) {
      throw bad("entry " + Printable.of(name) + " appears both as a directory and as a file or link");
    }
  }

  /** PAX headers can hold paths of any length: refuse one Linux could not create or link to. */
  private void requireShortPath(String path) {
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw bad("entry " + Printable.of(path) + " has a path longer than " + MAX_PATH_BYTES + " bytes");
    }
  }


  private void requireNotThroughSymlink(String name) {
    for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
      String parent = name.substring(0, slash);
      if (symlinks.containsKey(parent)) {
        throw bad("entry " + name + " is reached through the symlink " + parent);
      }
    }
  }

  private void requireNotSymlink(String name) {
    if (symlinks.containsKey(name)) {
      throw bad("entry " + name + " appears both as a symlink and as a file");
    }
  }

  private void requireNew(String name) {
    if (symlinks.containsKey(name) || files.contains(name)
        || Files.exists(dest.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw bad("entry " + name + " appears twice, once as a symlink");
    }
  }

  private void countBytes(long size, String name) {
    bytes += size;
    if (size < 0 || bytes > limits.maxBytes()) {
      throw bad("it unpacks to more than " + (limits.maxBytes() >> 20) + " MiB (at " + name
          + "); refusing what looks like a decompression bomb");
    }
  }

  private static void setModeAndTime(Path file, boolean executable, FileTime mtime)
      throws IOException {
    Files.setPosixFilePermissions(file, PosixModes.forFile(executable));
    Files.setLastModifiedTime(file, mtime);
  }

  private BadInputException bad(String what) {
    return new BadInputException("release tarball " + tarball + ": " + what);
  }
}
