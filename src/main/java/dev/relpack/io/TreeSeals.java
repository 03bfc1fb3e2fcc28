package dev.relpack.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What each cache entry (a file tree: a release unit, a jib layer) looked like, entry by entry,
 * when it was last hashed and found intact, kept in this user's private state directory and
 * never in the shared cache. A tree whose entries all still have the same paths, types, modes,
 * sizes, inodes, modification and change times is the one that was hashed, and need not be
 * hashed again (git trusts its index the same way): changing a file's bytes, through any of its
 * links, sets its change time, which only root can set back, and replacing a file gives another
 * inode. A tree is sealed only once every entry is older than {@link #SETTLED}, so a change made
 * within a coarse file system's time stamp of its hashing cannot look like the sealed state;
 * but one this process has just written and hashed, which no one else may write, is sealed as
 * written ({@link #sealWritten}).
 * Without the state directory, or when it is not this user's alone, nothing is sealed.
 */
public final class TreeSeals {
  /** How old every entry of a tree must be before it is sealed. */
  public static final Duration SETTLED = Duration.ofSeconds(2);
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final String ATTRIBUTES = "unix:mode,size,ino,dev,lastModifiedTime,ctime,uid";
  /** The mode bits that let the group or others write. */
  private static final int GROUP_OR_OTHERS_WRITE = 0022;
  private static final int TYPE_BITS = 0170000;
  private static final int DIRECTORY = 0040000;
  private static final int SYMLINK = 0120000;
  private final Optional<Path> dir;
  private final Clock clock;

  /** @param dir where seals are kept (made 0700 when first needed); empty for none */
  public TreeSeals(Optional<Path> dir) {
    this(dir, Clock.systemUTC());
  }

  /** @param clock what "now" is when deciding whether a tree has settled */
  public TreeSeals(Optional<Path> dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  /** A full check of a tree's content, such as hashing it. */
  @FunctionalInterface
  public interface ContentCheck {
    boolean holds() throws IOException;
  }

  /**
   * Whether {@code tree} holds what {@code digest} names: at once when it looks exactly as it did
   * when sealed so, else by {@code check}, after which a tree found intact is sealed, if it has
   * settled and did not change while it was checked (a change during a long hash could otherwise
   * be sealed as the state that was hashed).
   *
   * @param digest the hex digest the tree is stored under (names its seal)
   */
  public boolean holds(String digest, Path tree, ContentCheck check) throws IOException {
    Optional<Look> before = lookIfSealable(digest, tree);
    if (before.isPresent() && isSealedAs(digest, before.get())) {
      return true;
    }
    Instant checking = clock.instant();
    if (!check.holds()) {
      return false;
    }
    if (before.isPresent() && before.get().newest().isBefore(checking.minus(SETTLED))
        && before.equals(lookQuietly(tree))) {
      seal(digest, before.get());
    }
    return true;
  }

  /**
   * Seals a tree this process has just written and whose content it hashed as it wrote it,
   * without waiting for it to settle: the wait is for another writer changing an entry within a
   * coarse file system's time stamp of the check, and no one but this user (who can write the
   * seals too) and root can change a tree whose every entry this user owns and no one else may
   * write. A tree that does not look so is left unsealed, to be checked in full when next used.
   *
   * @param digest the hex digest the tree is stored under, which its writer computed
   */
  public void sealWritten(String digest, Path tree) {
    Optional<Integer> uid = PrivatePaths.processUid();
    if (uid.isEmpty()) {
      return;
    }
    lookIfSealable(digest, tree).filter(look -> look.onlyWritableBy(uid.get()))
        .ifPresent(look -> seal(digest, look));
  }

  /**
   * Whether {@code tree} looks exactly as it did when it was sealed intact under {@code digest}:
   * its entries' attributes are read, none of its content. False when it has no seal, or looks
   * otherwise.
   */
  public boolean isSealed(String digest, Path tree) {
    return sealedEntries(digest, tree).isPresent();
  }

  /**
   * The entries of {@code tree} below its top, when it looks exactly as it did when sealed intact
   * under {@code digest}: what a walk of it would find, read in the pass that checks the seal, so
   * a caller that needs both reads each entry's attributes once. Empty when it has no seal, or
   * looks otherwise.
   */
  public Optional<List<Sealed>> sealedEntries(String digest, Path tree) {
    Optional<Look> look = lookIfSealable(digest, tree).filter(l -> isSealedAs(digest, l));
    if (look.isEmpty()) {
      return Optional.empty();
    }
    List<Sealed> entries = new ArrayList<>(look.get().entries().size());
    for (Entry entry : look.get().entries()) {
      if (!entry.path().isEmpty()) {
        entries.add(new Sealed(entry.path(), entry.mode(), entry.size()));
      }
    }
    return Optional.of(entries);
  }

  /**
   * An entry of a sealed tree.
   *
   * @param path relative to the tree, {@code /}-separated
   * @param mode its {@code st_mode}: type and permission bits
   */
  public record Sealed(String path, int mode, long size) {
    private static final int TYPE = 0170000;

    public boolean directory() {
      return (mode & TYPE) == 0040000;
    }

    public boolean regularFile() {
      return (mode & TYPE) == 0100000;
    }

    /** Executable by its owner, group or others, as {@link PosixModes#isExecutable} says. */
    public boolean executable() {
      return (mode & 0111) != 0;
    }
  }

  private Optional<Look> lookIfSealable(String digest, Path tree) {
    return dir.isPresent() && HEX.matcher(digest).matches() ? lookQuietly(tree) : Optional.empty();
  }

  private boolean isSealedAs(String digest, Look look) {
    return sealedFingerprint(digest).filter(look.fingerprint()::equals).isPresent();
  }

  /** The fingerprint sealed under {@code digest}, if this user alone could have written it. */
  private Optional<String> sealedFingerprint(String digest) {
    try {
      return PrivatePaths.readMine(dir.get().resolve(digest))
          .map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // checked in full: a seal is only ever a shortcut
    }
  }

  private void seal(String digest, Look look) {
    try {
      PrivatePaths.writeMine(dir.get().resolve(digest),
          look.fingerprint().getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      // not sealed: the next use checks the tree in full, and seals it then
    }
  }

  private static Optional<Look> lookQuietly(Path tree) {
    try {
      return Optional.of(look(tree));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // the full check will say what is wrong with the tree
    }
  }

  /**
   * Every entry's path and attributes, and the newest time stamp among them. The fingerprint is
   * the entries' text itself, not a digest of it: the seal is private, so its size costs nothing
   * but a read, and hashing it was most of a warm build's look (about 100 bytes an entry, hashed
   * by the JDK's SHA-256 before the JIT has compiled it).
   */
  private static Look look(Path tree) throws IOException {
    List<Found> found = new ArrayList<>();
    visit(tree, "", found);
    found.sort(Comparator.comparing(Found::path));
    StringBuilder text = new StringBuilder();
    long newest = Long.MIN_VALUE;
    Set<Integer> writers = new HashSet<>();
    List<Entry> entries = new ArrayList<>(found.size());
    for (Found each : found) {
      Entry entry = each.entry();
      text.append(entry.line());
      newest = Math.max(newest, entry.newest());
      writers.add(entry.writer());
      entries.add(entry);
    }
    return new Look(text.toString(), Instant.EPOCH.plusNanos(newest),
        Set.copyOf(writers), entries);
  }

  /**
   * {@code path} and, if it is a directory (not a link to one), everything under it. One stat per
   * entry, on one thread: {@code Files.walk} stats each entry to know whether to descend and the
   * line needs another, which made a 5,000-entry tree's look twice as slow, and spreading stats
   * over cores cost more than it saved.
   */
  private static void visit(Path path, String relative, List<Found> found) throws IOException {
    Entry entry = entry(path, relative);
    found.add(new Found(path, entry));
    if ((entry.mode() & TYPE_BITS) == DIRECTORY) {
      String prefix = relative.isEmpty() ? "" : relative + "/";
      try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
        for (Path child : children) {
          visit(child, prefix + child.getFileName(), found);
        }
      }
    }
  }

  /** An entry and where it is, which orders the look as a walk sorted by path did. */
  private record Found(Path path, Entry entry) {}

  /**
   * A path's line (its attributes, times in nanoseconds) and its newer time stamp.
   *
   * @param relative its path in the tree, {@code /}-separated
   */
  private static Entry entry(Path path, String relative) throws IOException {
    Map<String, Object> attributes =
        Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    long modified = ((FileTime) attributes.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
    long changed = ((FileTime) attributes.get("ctime")).to(TimeUnit.NANOSECONDS);
    int mode = (Integer) attributes.get("mode");
    long size = (Long) attributes.get("size");
    String line = relative + "\0" + mode + ' ' + size + ' ' + attributes.get("ino") + ' '
        + attributes.get("dev") + ' ' + modified + ' ' + changed + '\n';
    boolean shared = (mode & GROUP_OR_OTHERS_WRITE) != 0 || (mode & TYPE_BITS) == SYMLINK;
    return new Entry(line, Math.max(modified, changed),
        shared ? OTHERS : (Integer) attributes.get("uid"), relative, mode, size);
  }

  /** An entry's writer when not only its owner may write it (or it is a link). */
  private static final int OTHERS = -1;

  /**
   * @param writer the owner, when only the owner may write the entry; else {@link #OTHERS}
   * @param path relative to the tree ({@code ""} for its top)
   */
  private record Entry(String line, long newest, int writer, String path, int mode, long size) {}

  /**
   * @param writers who may write its entries ({@link Entry#writer})
   * @param entries in path order; not part of its equality, which the fingerprint decides
   */
  private record Look(String fingerprint, Instant newest, Set<Integer> writers,
      List<Entry> entries) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Look look && fingerprint.equals(look.fingerprint)
          && newest.equals(look.newest) && writers.equals(look.writers);
    }

    @Override
    public int hashCode() {
      return fingerprint.hashCode();
    }

    boolean onlyWritableBy(int uid) {
      return writers.equals(Set.of(uid));
    }
  }
}
