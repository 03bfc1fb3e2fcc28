package dev.relpack.base;

import dev.relpack.base.OsInventory.OsPackage;
import dev.relpack.elf.MachineFileSystem;
import dev.relpack.elf.RootFileSystem;
import java.io.ByteArrayOutputStream;
import dev.relpack.io.Sha256;
import dev.relpack.io.PrivatePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the host base tells scanners about its files: the machine's {@code os-release} and
 * distribution release file, and a package database holding exactly the machine's packages that
 * own a file the base copied, their records byte for byte as the machine has them, sorted by name
 * then architecture (dpkg's {@code status}, read by dpkg-query and Trivy alike; Alpine's
 * {@code installed}). A copied file no package owns is named in the inventory instead, so the
 * SBOM can list it as such.
 *
 * <p>Owners are found by the path a package's file list gives. On merged-/usr machines that path
 * may differ from the copied file's ({@code /lib/x86_64-linux-gnu/libc.so.6} listed,
 * {@code /usr/lib/x86_64-linux-gnu/libc.so.6} copied): a copied file is known by its real path
 * and by every path leading to it through a directory link of the machine's root or of the base.
 */
final class HostPackages {
  static final String DPKG_INFO = "/var/lib/dpkg/info";
  /** What scanners name the distribution by besides os-release: Trivy needs debian_version. */
  static final List<String> RELEASE_FILES =
      List.of("/etc/debian_version", "/etc/lsb-release", "/etc/alpine-release");
  /** Directory links followed into aliases, at most this deep (/lib64 -> usr/lib64 -> ...). */
  private static final int MAX_ALIAS_ROUNDS = 4;

  private final MachineFileSystem files;
  private final Consumer<String> warn;
  private final Optional<Path> memos;

  /**
   * @param machine the machine's root
   * @param warn told, in one line, about a database that cannot be used
   */
  HostPackages(Path machine, Consumer<String> warn) {
    this(new MachineFileSystem(machine), warn, Optional.empty());
  }

  private HostPackages(MachineFileSystem files, Consumer<String> warn, Optional<Path> memos) {
    this.files = files;
    this.warn = warn;
    this.memos = memos;
  }

  /**
   * These lookups, remembering which packages own the files looked for in {@code memos}: a
   * directory of this user's private state, never the shared cache (a record there could hide
   * a package from scanners). A record is keyed by the identity of dpkg's status and of its
   * info directory (size, times, inode: dpkg replaces both on every change) and by the names
   * looked for, so it is used only while nothing dpkg knows has changed.
   */
  HostPackages rememberingIn(Optional<Path> memos) {
    return new HostPackages(files, warn, memos);
  }

  /** A file the base gets: its path in the image and its bytes. */
  record File(String path, byte[] content) {}

  /** The files to add to the base and the inventory they describe. */
  record Metadata(List<File> files, OsInventory inventory) {}

  /** The metadata for a base made of {@code entries} (copied regular files count, not links). */
  Metadata of(List<RootfsEntry> entries) throws IOException {
    // image path -> the machine's real path of the file copied there
    Map<String, String> copied = new TreeMap<>();
    for (RootfsEntry entry : entries) {
      if (entry instanceof RootfsEntry.RegularFile file) {
        copied.put(file.path(), file.path());
      }
    }
    List<File> written = new ArrayList<>();
    Optional<OsInventory.OsRelease> os = Optional.empty();
    // written as a regular file: on Debian /etc/os-release links to ../usr/lib/os-release
    Optional<String> osRelease = firstRegularFile(
        List.of(PackageDatabase.OS_RELEASE, PackageDatabase.OS_RELEASE_FALLBACK));
    Optional<String> osText = osRelease.isEmpty() ? Optional.empty() : small(osRelease.get());
    if (osText.isPresent()) {
      written.add(new File(PackageDatabase.OS_RELEASE, bytes(osText.get())));
      copied.put(PackageDatabase.OS_RELEASE, realPath(osRelease.get()));
      os = PackageDatabase.osRelease(osText.get());
    }
    for (String releaseFile : RELEASE_FILES) {
      Optional<String> text = files.isRegularFile(releaseFile) ? small(releaseFile)
          : Optional.empty();
      if (text.isPresent()) {
        written.add(new File(releaseFile, bytes(text.get())));
        copied.put(releaseFile, realPath(releaseFile));
      }
    }
    Map<String, Set<String>> names = names(copied, aliases(entries));
    Set<String> owned = new TreeSet<>();
    List<OsPackage> packages = new ArrayList<>();
    dpkg(names, owned, packages).ifPresent(written::add);
    apk(names, owned, packages).ifPresent(written::add);
    List<String> unowned = copied.keySet().stream().filter(path -> !owned.contains(path)).toList();
    return new Metadata(written, new OsInventory(os, PackageDatabase.sorted(packages), unowned));
  }

  /**
   * dpkg's {@code status} with the records of the packages whose {@code info/NAME.list} (or
   * {@code NAME:ARCH.list}) names a copied file; empty when the machine has no dpkg.
   */
  private Optional<File> dpkg(Map<String, Set<String>> names, Set<String> owned,
      List<OsPackage> packages) throws IOException {
    String status = PackageDatabase.DPKG_STATUS;
    Optional<String> database = database(status);
    if (database.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Set<String>> listed = listed(names);
    // the names of the packages that own a copied file: only their records are parsed whole
    Set<String> owners = new HashSet<>();
    listed.keySet().forEach(owner -> owners.add(owner.replaceFirst(":.*", "")));
    List<DatabaseRecord> records = new ArrayList<>();
    for (DatabaseRecord record : DatabaseRecord.split(database.get())) {
      if (!record.dpkgField("Package").filter(owners::contains).isPresent()) {
        continue;
      }
      Optional<OsPackage> found = PackageDatabase.dpkgPackage(record);
      if (found.isEmpty()) {
        continue;
      }
      OsPackage pkg = found.get();
      Set<String> paths = new TreeSet<>();
      paths.addAll(listed.getOrDefault(pkg.name(), Set.of()));
      paths.addAll(listed.getOrDefault(pkg.name() + ":" + pkg.architecture(), Set.of()));
      if (!paths.isEmpty()) {
        owned.addAll(paths);
        records.add(record);
        packages.add(pkg);
      }
    }
    return Optional.of(new File(status, joined(records, record -> record.dpkgField("Package"),
        record -> record.dpkgField("Architecture"))));
  }

  /**
   * {@code "NAME"} or {@code "NAME:ARCH"} -> the image paths of the copied files its
   * {@code info/NAME.list} names. A machine's lists hold some 100,000 lines (8 MB) and a build
   * looks for a hundred of them, on every build: each list is read as bytes, on both cores, and
   * a line becomes a String only when its length and hash are those of a name looked for (the
   * hash of a line's ISO-8859-1 bytes is the hash of the String they decode to).
   */
  private Map<String, Set<String>> listed(Map<String, Set<String>> machineNames)
      throws IOException {
    // dpkg's lists hold a path's bytes (UTF-8 on any machine today); they are read one char a
    // byte, so the names looked for are spelled the same way
    Map<String, Set<String>> names = new HashMap<>();
    machineNames.forEach((name, paths) -> names.put(
        new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1), paths));
    Optional<Path> memo = memo(names.keySet());
    Optional<Map<String, Set<String>>> remembered = memo.flatMap(m -> remembered(m, names));
    if (remembered.isPresent()) {
      return remembered.get();
    }
    Map<String, Set<String>> listed = scan(names);
    memo.ifPresent(m -> remember(m, listed, names));
    return listed;
  }

  private Map<String, Set<String>> scan(Map<String, Set<String>> names) throws IOException {
    Set<Integer> hashes = new HashSet<>();
    BitSet lengths = new BitSet();
    names.keySet().forEach(name -> {
      hashes.add(name.hashCode());
      lengths.set(name.length());
    });
    Map<String, Set<String>> listed = new ConcurrentHashMap<>();
    List<String> lists = files.list(DPKG_INFO).stream().filter(l -> l.endsWith(".list")).toList();
    try {
      lists.parallelStream().forEach(list -> {
        String owner = list.substring(0, list.length() - ".list".length());
        byte[] bytes;
        try {
          bytes = Files.readAllBytes(files.onMachine(DPKG_INFO + "/" + list));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        int start = 0;
        while (start < bytes.length) {
          int end = start;
          int hash = 0;
          while (end < bytes.length && bytes[end] != '\n') {
            hash = 31 * hash + (bytes[end] & 0xff);
            end++;
          }
          if (lengths.get(end - start) && hashes.contains(hash)) {
            Set<String> paths =
                names.get(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
            if (paths != null) {
              listed.computeIfAbsent(owner, o -> new ConcurrentSkipListSet<>()).addAll(paths);
            }
          }
          start = end + 1;
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return listed;
  }

  /** Where the owners of {@code names} are remembered, if anywhere: see {@link #rememberingIn}. */
  private Optional<Path> memo(Set<String> names) {
    if (memos.isEmpty()) {
      return Optional.empty();
    }
    try {
      StringBuilder key = new StringBuilder("1\n");
      for (String path : List.of(PackageDatabase.DPKG_STATUS, DPKG_INFO)) {
        Map<String, Object> unix = Files.readAttributes(files.onMachine(path),
            "unix:size,lastModifiedTime,ctime,ino,dev");
        key.append(path).append(' ').append(new TreeMap<>(unix)).append('\n');
      }
      new TreeSet<>(names).forEach(name -> key.append(name).append('\n'));
      return Optional.of(memos.get().resolve(Sha256.of(key.toString())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The owners remembered in {@code memo}, when it is this user's alone and reads whole. */
  private static Optional<Map<String, Set<String>>> remembered(Path memo,
      Map<String, Set<String>> names) {
    try {
      Optional<byte[]> kept = PrivatePaths.readMine(memo);
      if (kept.isEmpty()) {
        return Optional.empty();
      }
      Map<String, Set<String>> listed = new HashMap<>();
      for (String line : new String(kept.get(), StandardCharsets.ISO_8859_1).lines().toList()) {
        int tab = line.indexOf('\t');
        Set<String> paths = tab < 0 ? null : names.get(line.substring(tab + 1));
        if (paths == null) {
          return Optional.empty(); // not written by this version for these names
        }
        listed.computeIfAbsent(line.substring(0, tab), o -> new TreeSet<>()).addAll(paths);
      }
      return Optional.of(listed);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Keeps the owners found, {@code OWNER<TAB>NAME} a line; a failure to keep them is no matter. */
  private static void remember(Path memo, Map<String, Set<String>> listed,
      Map<String, Set<String>> names) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, Set<String>> name : new TreeMap<>(names).entrySet()) {
      new TreeMap<>(listed).forEach((owner, paths) -> {
        if (paths.containsAll(name.getValue()) && !name.getValue().isEmpty()) {
          text.append(owner).append('\t').append(name.getKey()).append('\n');
        }
      });
    }
    try {
      PrivatePaths.writeMine(memo, text.toString().getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException | RuntimeException e) {
      // the next build looks again
    }
  }

  /**
   * apk's {@code installed} with the records whose {@code F:} (directory) and {@code R:} (file)
   * lines name a copied file; empty when the machine has no apk database.
   */
  private Optional<File> apk(Map<String, Set<String>> names, Set<String> owned,
      List<OsPackage> packages) throws IOException {
    String installed = PackageDatabase.APK_INSTALLED;
    Optional<String> database = database(installed);
    if (database.isEmpty()) {
      return Optional.empty();
    }
    List<DatabaseRecord> records = new ArrayList<>();
    for (DatabaseRecord record : DatabaseRecord.split(database.get())) {
      Optional<OsPackage> found = PackageDatabase.apkPackage(record);
      if (found.isEmpty()) {
        continue;
      }
      Set<String> paths = new TreeSet<>();
      String directory = "";
      for (String line : record.lines()) {
        if (line.startsWith("F:")) {
          directory = line.substring(2);
        } else if (line.startsWith("R:")) {
          String path = directory.isEmpty() ? "/" + line.substring(2)
              : "/" + directory + "/" + line.substring(2);
          paths.addAll(names.getOrDefault(path, Set.of()));
        }
      }
      if (!paths.isEmpty()) {
        owned.addAll(paths);
        records.add(record);
        packages.add(found.get());
      }
    }
    return Optional.of(new File(installed, joined(records, record -> record.apkField('P'),
        record -> record.apkField('A'))));
  }

  /** Records sorted by name then architecture, each followed by the blank line ending it. */
  private static byte[] joined(List<DatabaseRecord> records,
      Function<DatabaseRecord, Optional<String>> name,
      Function<DatabaseRecord, Optional<String>> architecture) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    records.stream()
        .sorted(Comparator.comparing((DatabaseRecord r) -> name.apply(r).orElse(""))
            .thenComparing(r -> architecture.apply(r).orElse(""))
            .thenComparing(DatabaseRecord::text))
        .forEach(record -> {
          out.writeBytes(record.bytes());
          out.write('\n');
        });
    return out.toByteArray();
  }

  /**
   * Every name a package list may give each copied file: its real path, and the paths leading to
   * it through the directory links {@code aliases} (link path by the real directory it leads to).
   *
   * @return name -> the image paths of the copied files it names
   */
  private static Map<String, Set<String>> names(Map<String, String> copied,
      Map<String, Set<String>> aliases) {
    Map<String, Set<String>> names = new HashMap<>();
    copied.forEach((imagePath, real) -> {
      Set<String> all = new LinkedHashSet<>(List.of(real, imagePath));
      for (int round = 0; round < MAX_ALIAS_ROUNDS; round++) {
        Set<String> more = new LinkedHashSet<>();
        for (String name : all) {
          aliases.forEach((directory, links) -> {
            if (name.startsWith(directory + "/")) {
              links.forEach(link -> more.add(link + name.substring(directory.length())));
            }
          });
        }
        if (!all.addAll(more)) {
          break;
        }
      }
      all.forEach(name -> names.computeIfAbsent(name, n -> new TreeSet<>()).add(imagePath));
    });
    return names;
  }

  /**
   * The directory links through which a package may name a file: those at the machine's root
   * ({@code /lib -> usr/lib} on merged-/usr systems) and those the base copied.
   *
   * @return the real directory -> the link paths leading to it
   */
  private Map<String, Set<String>> aliases(List<RootfsEntry> entries) throws IOException {
    Set<String> links = new TreeSet<>();
    for (String name : files.list("/")) {
      if (Files.isSymbolicLink(files.onMachine("/" + name))) {
        links.add("/" + name);
      }
    }
    for (RootfsEntry entry : entries) {
      if (entry instanceof RootfsEntry.Symlink link) {
        links.add(link.path());
      }
    }
    Map<String, Set<String>> aliases = new TreeMap<>();
    for (String link : links) {
      if (files.isDirectory(link)) {
        aliases.computeIfAbsent(realPath(link), d -> new TreeSet<>()).add(link);
      }
    }
    return aliases;
  }

  /** A database's text, one char a byte; empty (and said) when it is too large to read. */
  private Optional<String> database(String path) throws IOException {
    if (!files.isRegularFile(path)) {
      return Optional.empty();
    }
    Optional<String> text = files.text(path, PackageDatabase.MAX_DATABASE_BYTES);
    if (text.isEmpty()) {
      warn.accept("this machine's " + path + " is larger than "
          + (PackageDatabase.MAX_DATABASE_BYTES >> 20) + " MiB; the host base carries no package"
          + " database, and scanners will find no packages in it");
    }
    return text;
  }

  /** os-release or a release file: a few hundred bytes; one larger is left out, and said. */
  private Optional<String> small(String path) throws IOException {
    Optional<String> text = files.text(path);
    if (text.isEmpty()) {
      warn.accept("this machine's " + path + " is larger than " + RootFileSystem.MAX_TEXT_BYTES
          + " bytes; the host base leaves it out");
    }
    return text;
  }

  private static byte[] bytes(String oneCharAByte) {
    return oneCharAByte.getBytes(StandardCharsets.ISO_8859_1);
  }

  private Optional<String> firstRegularFile(List<String> paths) {
    return paths.stream().filter(files::isRegularFile).findFirst();
  }

  /** The real path of a file that exists. */
  private String realPath(String path) throws IOException {
    return files.realPath(path).orElseThrow(() -> new IOException(path + " vanished"));
  }

}
