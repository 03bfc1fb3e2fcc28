package dev.relpack.release;

import dev.relpack.io.PosixModes;
import dev.relpack.error.InternalException;
import dev.relpack.io.AtomicFiles;
import dev.relpack.io.FileTrees;
import dev.relpack.io.SameBytes;
import dev.relpack.io.Sha256;
import dev.relpack.io.TreeSeals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Keeps release content in the cache directory, one directory per <em>unit</em> ({@code erts-X},
 * each {@code lib/APP-VSN}, {@code bin}, {@code releases}, ...), named by the SHA-256 of the unit's
 * content. jib keys its layer cache on source paths and mtimes; giving it these stable paths makes
 * an unchanged app hit that cache whether the release came from a rebuilt directory or a new
 * tarball. Units are written to a temporary directory and renamed into place, so concurrent builds
 * and interrupted ones never see half a unit.
 *
 * <p>The cache may be shared with other jobs and is not trusted: a unit is checked each time it is
 * used, compared byte for byte with the release's files when they are at hand, else hashed again,
 * and one whose content no longer gives its name is reported, removed and stored anew from the
 * release. Only a unit that looks exactly as it did when last found intact, by the record of
 * that in this user's private state ({@link TreeSeals}), is taken without reading it.
 */
public final class ContentStore {
  private static final long MAX_LIST_BYTES = 64L << 20;
  private static final int COPY_BUFFER = 64 << 10;
  /** The characters of a file's line that are not its path or newline ({@link #fileLine}). */
  private static final int FILE_LINE_MARKS = "f ".length() + " x ".length() + 64;
  private final Path units;
  /** Each unit's list of files with their SHA-256 ({@link #fileDigest}), named by its digest. */
  private final Path lists;
  /** The digest each shape of unit was last stored under ({@link #storedAlike}). */
  private final Path shapes;
  private final Map<String, Optional<Map<String, String>>> listsRead = new ConcurrentHashMap<>();
  private final Path tmp;
  private final TreeSeals seals;
  private final Consumer<String> warn;
  private final SameBytes sameBytes = new SameBytes();

  /**
   * A store under {@code root} (the cache directory), created when first used.
   *
   * @param warn told about each unit found changed in the cache
   */
  public ContentStore(Path root, Consumer<String> warn) {
    this(root, Optional.empty(), warn);
  }

  /**
   * A store whose units, once hashed intact, are not hashed again while they look the same
   * ({@link TreeSeals}).
   *
   * @param seals where those looks are kept: a directory of this user's private state, never the
   *     cache
   */
  public ContentStore(Path root, Optional<Path> seals, Consumer<String> warn) {
    this(root, new TreeSeals(seals), warn);
  }

  ContentStore(Path root, TreeSeals seals, Consumer<String> warn) {
    this.units = unitsUnder(root);
    this.lists = root.resolve("unit-files");
    this.shapes = root.resolve("unit-shapes");
    this.tmp = root.resolve("tmp");
    this.seals = seals;
    this.warn = warn;
  }

  /**
   * Where a store under {@code root} keeps its units: a file below it is named by its unit's
   * content, which each build that uses the unit checks first.
   */
  public static Path unitsUnder(Path root) {
    return root.resolve("units");
  }

  /** A fresh, empty directory on the store's file system, for staging work. */
  public Path newStagingDirectory() throws IOException {
    Files.createDirectories(tmp);
    return Files.createDirectory(tmp.resolve(UUID.randomUUID().toString()));
  }

  /** Whether the store has a unit with this digest (not checked: see {@link #verified}). */
  public boolean has(String digest) {
    return Files.isDirectory(units.resolve(digest));
  }

  /**
   * The directory holding unit {@code name} with this digest, if the store has it and its content
   * still gives that digest; a unit that does not is reported and removed.
   */
  Optional<Path> verified(String name, String digest) throws IOException {
    return intact(digest, dir -> seals.holds(digest, dir, () -> {
      Optional<String> list = storedList(name, dir).filter(l -> Sha256.of(l).equals(digest));
      list.ifPresent(l -> keepList(digest, l));
      return list.isPresent();
    }));
  }

  /**
   * The SHA-256 of a regular file this store holds ({@code units/DIGEST/PATH}), from its unit's
   * list of files, which is believed only when it hashes to the unit's digest: the list is what
   * that digest is made of, so it is as true as the unit, which each build checks before it uses
   * it. Empty when the list is missing (a unit stored by an older relpack), changed, or does
   * not name the file; the caller hashes the file then.
   */
  public Optional<String> fileDigest(Path source) {
    Path file = source.toAbsolutePath().normalize();
    Path root = units.toAbsolutePath().normalize();
    if (!file.startsWith(root) || root.relativize(file).getNameCount() < 2) {
      return Optional.empty();
    }
    Path inStore = root.relativize(file);
    String digest = inStore.getName(0).toString();
    String path = inStore.subpath(1, inStore.getNameCount()).toString();
    return listsRead.computeIfAbsent(digest, this::readList)
        .flatMap(files -> Optional.ofNullable(files.get(path)));
  }

  /** A unit's list of files, path to SHA-256, if it is there and hashes to {@code digest}. */
  private Optional<Map<String, String>> readList(String digest) {
    try {
      Path file = lists.resolve(digest);
      if (!digest.matches("[0-9a-f]{64}") || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          || Files.size(file) > MAX_LIST_BYTES) {
        return Optional.empty();
      }
      String list = Files.readString(file, StandardCharsets.UTF_8);
      if (!Sha256.of(list).equals(digest)) {
        return Optional.empty();
      }
      Map<String, String> files = new HashMap<>();
      for (String line : list.split("\n")) {
        if (line.startsWith("f ") && line.length() > FILE_LINE_MARKS) {
          int hash = line.length() - 64; // the hash ends the line, its mark " x " or " - " before
          files.put(line.substring("f ".length(), hash - " x ".length()), line.substring(hash));
        }
      }
      return Optional.of(Map.copyOf(files));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Keeps a unit's list of files beside the units; failing to costs a later build some hashing. */
  private void keepList(String digest, String list) {
    Path file = lists.resolve(digest);
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.createDirectories(lists);
      AtomicFiles.write(file, list);
    } catch (IOException | RuntimeException e) {
      // the file's SHA-256 is taken from the file itself instead
    }
  }

  /**
   * As {@link #verified}, for a unit whose files are at hand: the stored unit must hold exactly
   * {@code files}, byte for byte, as they are now (whose digest was just taken), which is as
   * strong as hashing it again and a fraction of the cost (this JVM hashes without the
   * processor's SHA instructions).
   */
  private Optional<Path> matching(String name, String digest, List<ReleaseFile> files)
      throws IOException {
    return intact(digest, dir -> seals.holds(digest, dir, () -> holdsExactly(name, dir, files)));
  }

  /** How a stored unit's directory is found to still hold what its name says. */
  @FunctionalInterface
  private interface UnitCheck {
    boolean holds(Path dir) throws IOException;
  }

  /** The unit stored under {@code digest} if it passes {@code check}; else reported and removed. */
  private Optional<Path> intact(String digest, UnitCheck check) throws IOException {
    Path dir = units.resolve(digest);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    if (check.holds(dir)) {
      return Optional.of(dir);
    }
    warn.accept("cache entry " + dir + " does not match its digest (changed or corrupt);"
        + " storing it again from the release");
    evict(dir);
    return Optional.empty();
  }

  /**
   * Whether {@code dir} holds the unit's files and nothing else: the same relative paths and
   * kinds, exec bits and bytes (compared on every core), and no symlink or device.
   */
  private boolean holdsExactly(String unit, Path dir, List<ReleaseFile> files)
      throws IOException {
    Optional<Map<String, ReleaseFile>> byPath = byPathInUnit(unit, files);
    if (byPath.isEmpty()) {
      return false;
    }
    Map<String, ReleaseFile> expected = byPath.get();
    List<Path> paths;
    List<Boolean> same;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.toList();
      same = paths.parallelStream().map(path -> sameEntry(unit, dir, path, expected)).toList();
    } catch (UncheckedIOException | IOException e) {
      return false; // unreadable: stored again
    }
    long listed = paths.stream().filter(p -> !(unit.isEmpty() && p.equals(dir))).count();
    return !same.contains(false) && listed == expected.size();
  }

  /**
   * {@link #holdsExactly} for a unit that still looks as sealed, whose {@code entries} (below its
   * top) its seal's look has just read: the same check, without walking it and reading each
   * entry's attributes again.
   */
  private boolean holdsExactly(String unit, Path dir, List<ReleaseFile> files,
      List<TreeSeals.Sealed> entries) {
    Optional<Map<String, ReleaseFile>> byPath = byPathInUnit(unit, files);
    if (byPath.isEmpty()) {
      return false;
    }
    Map<String, ReleaseFile> expected = byPath.get();
    // a unit's own directory is its top ("" in it), which is a directory by being the unit's
    ReleaseFile top = expected.get("");
    boolean topMatches = unit.isEmpty() ? top == null : top != null && top.directory();
    if (!topMatches || expected.size() != entries.size() + (unit.isEmpty() ? 0 : 1)) {
      return false;
    }
    try {
      return entries.parallelStream().allMatch(entry -> sameEntry(dir, entry, expected));
    } catch (UncheckedIOException e) {
      return false; // unreadable: stored again
    }
  }

  /**
   * The unit's files by their path in it; empty when a path comes twice, which nothing a store
   * holds can match.
   */
  private static Optional<Map<String, ReleaseFile>> byPathInUnit(String unit,
      List<ReleaseFile> files) {
    Map<String, ReleaseFile> byPath = new HashMap<>();
    for (ReleaseFile file : files) {
      if (byPath.put(inUnit(unit, file.path()), file) != null) {
        return Optional.empty();
      }
    }
    return Optional.of(byPath);
  }

  private boolean sameEntry(Path dir, TreeSeals.Sealed entry,
      Map<String, ReleaseFile> expected) {
    ReleaseFile file = expected.get(entry.path());
    if (file == null) {
      return false;
    }
    if (entry.directory()) {
      return file.directory();
    }
    try {
      return entry.regularFile() && !file.directory() && entry.executable() == file.executable()
          && sameBytes.equal(dir.resolve(entry.path()), file.source());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean sameEntry(String unit, Path dir, Path path,
      Map<String, ReleaseFile> expected) {
    try {
      String rel = dir.relativize(path).toString();
      if (rel.isEmpty() && unit.isEmpty()) {
        return true; // the store's root for top-level files: not a file of the release
      }
      ReleaseFile file = expected.get(rel);
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (file == null) {
        return false;
      }
      if (attrs.isDirectory()) {
        return file.directory();
      }
      return attrs.isRegularFile() && !file.directory()
          && PosixModes.isExecutable(attrs) == file.executable()
          && sameBytes.equal(path, file.source());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stores the content of {@code files} (sources anywhere) and returns the same files with their
   * sources in the store, plus the digest of each unit.
   */
  public Materialized materialize(List<ReleaseFile> files) {
    LookedUp known = lookedUp(byUnit(files));
    // A unit of a shape never stored is not in the store (its digest fixes its shape), so its
    // files are copied in and hashed as they are written, read once: a job with no cache stores
    // its whole release so. The others (a shape stored before, the content not found alike) are
    // hashed first: the store may hold them under their digest, and then nothing is copied.
    List<ReleaseFile> toHash = files.stream().filter(file -> !known.alike().containsKey(
        unitOf(file)) && !known.newShapes().contains(unitOf(file))).toList();
    Map<Path, String> hashes = new HashMap<>(hashedOnEveryCore(toHash));
    return place(files, hashes, known.alike(), known.newShapes(),
        (unit, unitFiles) -> storeCopy(unit, unitFiles, hashes));
  }

  /**
   * What the store holds of a release's units, by their shapes.
   *
   * @param alike units a stored unit holds exactly ({@link #storedAlike}), by digest
   * @param newShapes units whose shape the store has never held
   */
  private record LookedUp(Map<String, String> alike, Set<String> newShapes) {}

  /**
   * The units of {@code byUnit} that a stored unit holds exactly, byte for byte, by its digest.
   * The candidate is the unit last stored with the same shape (paths, kinds and exec bits: a
   * release directory that {@code mix release} wrote again looks so), and it counts only while
   * its seal holds, so it is intact; its files are then compared with the release's instead of
   * the release's being hashed, which is as strong (equal bytes, equal digest) and much cheaper
   * in a JVM that hashes without the processor's SHA instructions. A unit that differs, or has
   * no candidate, is hashed (or copied and hashed at once, {@link #materialize}).
   */
  Map<String, String> storedAlike(Map<String, List<ReleaseFile>> byUnit) {
    return lookedUp(byUnit).alike();
  }

  private LookedUp lookedUp(Map<String, List<ReleaseFile>> byUnit) {
    Map<String, String> alike = new ConcurrentHashMap<>();
    Set<String> newShapes = ConcurrentHashMap.newKeySet();
    // unit by unit on every core: most of a unit's check is stats and reads of small files
    byUnit.entrySet().parallelStream().forEach(unit -> {
      Optional<String> candidate = lastStored(shapeOf(unit.getKey(), unit.getValue()));
      if (candidate.isEmpty()) {
        newShapes.add(unit.getKey());
      } else if (storedAlike(unit.getKey(), unit.getValue(), candidate.get())) {
        alike.put(unit.getKey(), candidate.get());
      }
    });
    return new LookedUp(Map.copyOf(alike), Set.copyOf(newShapes));
  }

  /** Whether the stored unit {@code candidate} holds exactly {@code files}. */
  private boolean storedAlike(String unit, List<ReleaseFile> files, String candidate) {
    Path dir = units.resolve(candidate);
    try {
      // the seal's look lists the stored unit: it is not walked again for the comparison
      Optional<List<TreeSeals.Sealed>> sealed = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
          ? seals.sealedEntries(candidate, dir) : Optional.empty();
      return sealed.isPresent() && holdsExactly(unit, dir, files, sealed.get());
    } catch (RuntimeException e) {
      return false; // hashed instead
    }
  }

  /** A unit's shape: its name, and each entry's path, kind and exec bit, in order; no content. */
  private static String shapeOf(String unit, List<ReleaseFile> files) {
    StringBuilder shape = new StringBuilder(unit).append('\n');
    for (ReleaseFile file : files.stream().sorted(Comparator.comparing(ReleaseFile::path)).toList()) {
      shape.append(file.directory() ? "d " : file.executable() ? "x " : "f ")
          .append(inUnit(unit, file.path())).append('\n');
    }
    return Sha256.of(shape.toString());
  }

  /** The digest a unit of this shape was last stored under, as the cache remembers it. */
  private Optional<String> lastStored(String shape) {
    try {
      Path file = shapes.resolve(shape);
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != 64) {
        return Optional.empty();
      }
      String digest = Files.readString(file, StandardCharsets.US_ASCII);
      return digest.matches("[0-9a-f]{64}") ? Optional.of(digest) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Remembers the digest a unit of this shape was stored under; only ever a candidate. */
  private void rememberShape(String shape, String digest) {
    if (lastStored(shape).filter(digest::equals).isPresent()) {
      return;
    }
    try {
      Files.createDirectories(shapes);
      AtomicFiles.write(shapes.resolve(shape), digest);
    } catch (IOException | RuntimeException e) {
      // the next build of this shape hashes it
    }
  }

  /**
   * Each regular file's SHA-256 by source, hashed on every core: most of reading a release
   * directory, and the units' digests are made one after the other. A file that cannot be read
   * is left out, to fail where it always did, in {@link #listOf}.
   */
  private static Map<Path, String> hashedOnEveryCore(List<ReleaseFile> files) {
    try {
      return files.parallelStream().filter(file -> !file.directory()).collect(
          Collectors.toConcurrentMap(ReleaseFile::source, file -> sha256(file.source()),
              (first, same) -> first));
    } catch (UncheckedIOException e) {
      return Map.of();
    }
  }

  private static String sha256(Path file) {
    try {
      return Sha256.of(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * As {@link #materialize}, for files this build has just unpacked into a staging directory of
   * this store, whose content is known: {@code hashes} gives the SHA-256 of each regular file by
   * its source. A unit is moved into place (one rename) rather than copied, so the files are
   * neither read nor written again; the staging directory is the caller's to delete afterwards.
   * The files must be all that their directories hold and none may be a symlink, as an unpacked
   * tarball without symlinks is once its skipped paths are deleted.
   */
  Materialized adopt(List<ReleaseFile> files, Map<Path, String> hashes) {
    // unpacked and hashed at once: what is moved into place is what was hashed
    return place(files, hashes, Map.of(), Set.of(),
        (unit, unitFiles) -> new Staged(storeByMoving(unit, unitFiles), true));
  }

  /** Puts a unit's content under the store's staging and returns where (see {@link #publish}). */
  @FunctionalInterface
  private interface Stager {
    Staged stage(String unit, List<ReleaseFile> files) throws IOException;
  }

  /**
   * A unit staged to be put in place.
   *
   * @param asHashed whether its files are the very bytes their digests were taken of, so that
   *     the unit, once in place under the digest of their list, is sealed at once ({@link
   *     TreeSeals#sealWritten}); a source that changed between its hashing and its copy makes a
   *     copy that is not, checked in full when next used
   */
  private record Staged(Path dir, boolean asHashed) {}

  static Map<String, List<ReleaseFile>> byUnit(List<ReleaseFile> files) {
    Map<String, List<ReleaseFile>> byUnit = new LinkedHashMap<>();
    for (ReleaseFile file : files) {
      byUnit.computeIfAbsent(unitOf(file), k -> new ArrayList<>()).add(file);
    }
    return byUnit;
  }

  /**
   * @param hashes each regular file's SHA-256 by source, as far as known; the stager adds those
   *     of the units it stages first
   * @param alike units known to be stored already ({@link #storedAlike}), by digest: neither
   *     hashed nor stored again
   * @param stagedFirst units staged before their digest is made: their copies give their files'
   *     digests
   * @param stager stages a unit this call puts in place, saying whether it is sealed at once
   */
  private Materialized place(List<ReleaseFile> files, Map<Path, String> hashes,
      Map<String, String> alike, Set<String> stagedFirst, Stager stager) {
    Map<String, List<ReleaseFile>> byUnit = byUnit(files);
    List<ReleaseFile> stored = new ArrayList<>(files.size());
    Map<String, String> digests = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, List<ReleaseFile>> unit : byUnit.entrySet()) {
        String digest = alike.get(unit.getKey());
        if (digest == null) {
          digest = store(unit.getKey(), unit.getValue(), hashes,
              stagedFirst.contains(unit.getKey()), stager);
        }
        Path dir = units.resolve(digest); // where it is, whichever way it got there
        digests.put(unit.getKey(), digest);
        for (ReleaseFile file : unit.getValue()) {
          stored.add(new ReleaseFile(file.path(), dir.resolve(inUnit(unit.getKey(), file.path())),
              file.directory(), file.executable()));
        }
      }
    } catch (IOException e) {
      throw new InternalException("cannot write to the cache " + units.getParent() + ": " + e.getMessage(), e);
    }
    stored.sort(Comparator.comparing(ReleaseFile::path));
    return new Materialized(List.copyOf(stored), Map.copyOf(digests));
  }

  /**
   * Puts one unit in place unless the store holds it already, and returns its digest.
   *
   * @param stageFirst whether to stage it before its digest is made, which its copy gives
   */
  private String store(String unit, List<ReleaseFile> files, Map<Path, String> hashes,
      boolean stageFirst, Stager stager) throws IOException {
    Staged early = stageFirst ? stager.stage(unit, files) : null;
    try {
      String list = listOf(unit, files, hashes);
      String digest = Sha256.of(list);
      if (matching(unit, digest, files).isEmpty()) {
        Staged staged = early != null ? early : stager.stage(unit, files);
        early = null; // publish leaves nothing of it behind
        boolean ours = publish(staged.dir(), digest);
        if (ours && staged.asHashed()) {
          seals.sealWritten(digest, units.resolve(digest));
        }
      }
      keepList(digest, list);
      rememberShape(shapeOf(unit, files), digest);
      return digest;
    } finally {
      if (early != null) { // stored meanwhile, or its shape forgotten: the copy is not needed
        FileTrees.deleteRecursively(early.dir());
      }
    }
  }

  /**
   * The files of the units with these digests, as stored ({@code unit name -> digest}); empty if
   * one is missing or no longer matches its digest, so the release must be read again.
   */
  public Optional<List<ReleaseFile>> load(Map<String, String> unitDigests) throws IOException {
    List<ReleaseFile> files = new ArrayList<>();
    for (Map.Entry<String, String> unit : unitDigests.entrySet()) {
      String prefix = unit.getKey().isEmpty() ? "" : unit.getKey() + "/";
      Path dir = units.resolve(unit.getValue());
      Optional<List<ReleaseFile>> sealed = sealedFiles(unit.getValue(), dir);
      if (sealed.isPresent()) {
        sealed.get().forEach(f -> files.add(new ReleaseFile(prefix + f.path(), f.source(),
            f.directory(), f.executable())));
      } else {
        Optional<Path> verified = verified(unit.getKey(), unit.getValue());
        if (verified.isEmpty()) {
          return Optional.empty();
        }
        for (ReleaseFile f : ReleaseTreeWalker.walk(dir, dir.toString(), p -> false,
            ExtractionLimits.DEFAULT)) {
          files.add(new ReleaseFile(prefix + f.path(), f.source(), f.directory(), f.executable()));
        }
      }
      if (!unit.getKey().isEmpty()) {
        files.add(new ReleaseFile(unit.getKey(), dir, true, false));
      }
    }
    files.sort(Comparator.comparing(ReleaseFile::path));
    return Optional.of(List.copyOf(files));
  }

  /**
   * A unit's files as {@link ReleaseTreeWalker} would list them, taken from its seal's look when
   * it still looks as sealed: one pass over its entries' attributes instead of two (a 5,000-file
   * release: about 55 ms of a warm build). Empty, and the unit is checked and walked, when it is
   * not sealed so or holds anything a walk would refuse or a store never holds (it was checked
   * before it was sealed, so that means a change).
   */
  private Optional<List<ReleaseFile>> sealedFiles(String digest, Path dir) throws IOException {
    Optional<List<TreeSeals.Sealed>> sealed = seals.sealedEntries(digest, dir);
    if (sealed.isEmpty() || sealed.get().size() > ExtractionLimits.DEFAULT.maxEntries()) {
      return Optional.empty();
    }
    Path real = dir.toRealPath(); // where a walk names its files from
    List<ReleaseFile> files = new ArrayList<>(sealed.get().size());
    long bytes = 0;
    for (TreeSeals.Sealed entry : sealed.get()) {
      bytes += entry.regularFile() ? entry.size() : 0;
      if (!(entry.directory() || entry.regularFile()) || bytes > ExtractionLimits.DEFAULT.maxBytes()
          || FileNames.hasControlCharacter(entry.path())) {
        return Optional.empty();
      }
      files.add(new ReleaseFile(entry.path(), real.resolve(entry.path()), entry.directory(),
          entry.regularFile() && entry.executable()));
    }
    return Optional.of(files);
  }

  /** The result of {@link #materialize}: stored files, and the digest of each unit by name. */
  public record Materialized(List<ReleaseFile> files, Map<String, String> unitDigests) {}

  /**
   * The unit a file belongs to: {@code lib/APP-VSN} for an application directory, else its
   * top-level directory ({@code lib} itself for plain files in it, such as {@code APP-VSN.ez}
   * archives); files at the top level share the unit {@code ""}.
   */
  static String unitOf(ReleaseFile file) {
    String[] parts = file.path().split("/", 3);
    if (parts.length == 1) {
      return file.directory() ? parts[0] : "";
    }
    boolean appDirectory = parts.length == 3 || file.directory();
    return parts[0].equals("lib") && appDirectory ? parts[0] + "/" + parts[1] : parts[0];
  }

  private static String inUnit(String unit, String path) {
    if (unit.isEmpty()) {
      return path;
    }
    return path.equals(unit) ? "" : path.substring(unit.length() + 1);
  }

  /**
   * A unit's list of files, whose SHA-256 is the unit's digest: relative paths, kinds, exec bits
   * and file hashes, in order. A file's hash is taken from {@code hashes} (by source) when
   * there, else read from the file.
   */
  private static String listOf(String unit, List<ReleaseFile> files, Map<Path, String> hashes)
      throws IOException {
    StringBuilder manifest = new StringBuilder();
    for (ReleaseFile file : files.stream().sorted(Comparator.comparing(ReleaseFile::path)).toList()) {
      String rel = inUnit(unit, file.path());
      if (file.directory()) {
        manifest.append(directoryLine(rel));
      } else {
        manifest.append(fileLine(rel, file.executable(), hashOf(file.source(), hashes)));
      }
    }
    return manifest.toString();
  }

  /** A directory's line in a unit's list: {@code d PATH}. */
  private static String directoryLine(String rel) {
    return "d " + rel + "\n";
  }

  /**
   * A regular file's line in a unit's list: {@code f PATH x|- SHA256}. The path may hold
   * blanks; the mark and the hash, {@link #FILE_LINE_MARKS} characters with the leading
   * {@code f }, cannot, which is how {@link #readList} finds the path.
   */
  private static String fileLine(String rel, boolean executable, String sha256) {
    return "f " + rel + (executable ? " x " : " - ") + sha256 + "\n";
  }

  private static String hashOf(Path source, Map<Path, String> hashes) throws IOException {
    String known = hashes.get(source);
    return known != null ? known : Sha256.of(source);
  }

  /**
   * The list of files of a stored unit as it is, made as {@link #listOf} makes it; empty if the
   * unit holds anything relpack never stores (a symlink, a device).
   */
  private static Optional<String> storedList(String unit, Path dir) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.toList();
    }
    List<String[]> entries; // relative path, manifest line (null for what relpack never stores)
    try {
      // in parallel: hashing is most of a warm build's cost of this check
      entries = paths.parallelStream().map(path -> manifestLine(unit, dir, path)).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (entries.stream().anyMatch(e -> e != null && e[1] == null)) {
      return Optional.empty();
    }
    entries = new ArrayList<>(entries.stream().filter(java.util.Objects::nonNull).toList());
    // the same order as listOf, which sorts by path in the release: the unit's prefix is shared
    entries.sort(Comparator.comparing((String[] e) -> unit.isEmpty() ? e[0]
        : e[0].isEmpty() ? unit : unit + "/" + e[0]));
    StringBuilder manifest = new StringBuilder();
    entries.forEach(e -> manifest.append(e[1]));
    return Optional.of(manifest.toString());
  }

  /** A stored path's relative path and manifest line; null for the unit's root if unlisted. */
  private static String[] manifestLine(String unit, Path dir, Path path) {
    try {
      String rel = dir.relativize(path).toString();
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs.isDirectory()) {
        return rel.isEmpty() && unit.isEmpty() ? null : new String[] {rel, directoryLine(rel)};
      }
      if (attrs.isRegularFile()) {
        return new String[] {rel, fileLine(rel, PosixModes.isExecutable(attrs), Sha256.of(path))};
      }
      return new String[] {rel, null};
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Takes a unit out of use at once (a rename), then deletes it. */
  private void evict(Path dir) throws IOException {
    Files.createDirectories(tmp);
    Path aside = tmp.resolve("evicted-" + UUID.randomUUID());
    try {
      Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      return; // another build removed it first
    }
    FileTrees.deleteRecursively(aside);
  }

  /**
   * Copies a unit's files into a new staging directory, hashing each as it is written: when
   * every copy has the digest {@code hashes} took of its source, the staged unit is what was
   * hashed, and is sealed once in place. Left unsealed, the build after a release directory's
   * first one hashed the units it had stored all over again (the demo: 11.5 MB, and NSS loaded
   * for it) before comparing them. A file {@code hashes} has no digest for gets its copy's.
   */
  private Staged storeCopy(String unit, List<ReleaseFile> files, Map<Path, String> hashes)
      throws IOException {
    Path staging = newStagingDirectory();
    try {
      boolean asHashed = true;
      // made here: Files.createDirectories costs an exception for each directory already there
      Set<Path> made = new HashSet<>(Set.of(staging));
      ByteBuffer buffer = ByteBuffer.allocateDirect(COPY_BUFFER);
      for (ReleaseFile file : files.stream().sorted(Comparator.comparing(ReleaseFile::path)).toList()) {
        Path target = staging.resolve(inUnit(unit, file.path()));
        if (file.directory()) {
          madeDirectory(made, target);
        } else {
          madeDirectory(made, target.getParent());
          String written = copyHashing(file.source(), target, buffer);
          String hashed = hashes.putIfAbsent(file.source(), written);
          asHashed &= hashed == null || hashed.equals(written);
          Files.setPosixFilePermissions(target, PosixModes.forFile(file.executable()));
        }
      }
      return new Staged(staging, asHashed);
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteRecursively(staging);
      throw e;
    }
  }

  private static void madeDirectory(Set<Path> made, Path dir) throws IOException {
    if (made.add(dir)) {
      Files.createDirectories(dir);
    }
  }

  /**
   * Copies {@code source} to a new file {@code target}, its modification time too; returns the
   * SHA-256 of the bytes written. Through {@code buffer}, a direct one: NSS's digest reads it
   * where it is, and the channels need not copy it to and from the heap.
   */
  private static String copyHashing(Path source, Path target, ByteBuffer buffer)
      throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (FileChannel in = FileChannel.open(source);
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
      while (in.read(buffer.clear()) >= 0) {
        digest.update(buffer.flip());
        buffer.rewind();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
    }
    Files.setLastModifiedTime(target, Files.getLastModifiedTime(source));
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * The directory of a unit that has one of its own ({@code bin}, {@code erts-X},
   * {@code lib/APP-VSN}) as it is; the files of the others (the top level's, {@code lib}'s own)
   * moved into a new staging directory, since their directory holds other units too.
   */
  private Path storeByMoving(String unit, List<ReleaseFile> files) throws IOException {
    if (!unit.isEmpty() && !unit.equals("lib")) {
      return files.stream().filter(f -> f.path().equals(unit)).findFirst()
          .orElseThrow(() -> new IOException("unit " + unit + " has no directory"))
          .source();
    }
    Path staging = newStagingDirectory();
    for (ReleaseFile file : files) {
      if (!file.directory()) {
        Files.move(file.source(), staging.resolve(inUnit(unit, file.path())));
      }
    }
    return staging;
  }

  /**
   * Renames a unit's staged directory to its digest's name: at once, whole, so concurrent and
   * interrupted builds never see half a unit. When the name is already taken, another build
   * stored the unit first and the staged copy is deleted.
   *
   * @return whether this call put the unit there (false: another build had)
   */
  private boolean publish(Path staged, String digest) throws IOException {
    try {
      Files.createDirectories(units);
      Path dir = units.resolve(digest);
      try {
        Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
        return true;
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the cache needs atomic renames within " + units.getParent(), e);
      } catch (FileSystemException e) {
        // Linux reports a rename onto a non-empty directory as a bare "Directory not empty":
        // whatever the exception, if the unit is there now another build stored it first.
        if (!Files.isDirectory(dir)) {
          throw e;
        }
        return false;
      }
    } finally {
      FileTrees.deleteRecursively(staged); // gone if it was moved; a leftover if not
    }
  }

  /**
   * Deletes staging left in the cache by builds that were killed; only what is older than a day,
   * since a build running now may be using the rest.
   */
  public void sweepStaleStaging() {
    if (!Files.isDirectory(tmp)) {
      return;
    }
    FileTime dayAgo = FileTime.from(Instant.now().minus(Duration.ofDays(1)));
    try (Stream<Path> children = Files.list(tmp)) {
      for (Path child : children.toList()) {
        if (Files.getLastModifiedTime(child, LinkOption.NOFOLLOW_LINKS).compareTo(dayAgo) < 0) {
          FileTrees.deleteRecursively(child);
        }
      }
    } catch (IOException e) {
      // best effort: a leftover costs disk space, not correctness
    }
  }
}
