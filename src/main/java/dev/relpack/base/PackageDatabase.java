package dev.relpack.base;

import dev.relpack.base.OsInventory.OsPackage;
import dev.relpack.base.OsInventory.OsRelease;
import dev.relpack.base.OsInventory.PackageKind;
import dev.relpack.elf.RootFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads what a base's own files say about its operating system, where scanners look: its
 * {@code os-release} and its package databases (dpkg's {@code status}, the distroless
 * {@code status.d/} files, apk's {@code installed}). Databases are untrusted input: a record
 * without a name or version is skipped, one too large is not read, nothing here fails a build.
 */
public final class PackageDatabase {
  /**
   * The largest database file read. A dpkg {@code status} takes about 1 KiB a package (this
   * Debian machine: 1,036 packages in 0.98 MiB; a full desktop is 3-5 MiB): 16 MiB is some
   * 16,000 installed packages, several times any real system, and small enough that an image's
   * layer index (which keeps the text, and charges it to its own bound) stays small.
   */
  public static final long MAX_DATABASE_BYTES = 16L << 20;

  static final String OS_RELEASE = "/etc/os-release";
  static final String OS_RELEASE_FALLBACK = "/usr/lib/os-release";
  static final String DPKG_STATUS = "/var/lib/dpkg/status";
  static final String DPKG_STATUS_DIR = "/var/lib/dpkg/status.d";
  /** Alpine's; merged-/usr Alpine keeps it under /usr/lib, reached through /lib -> usr/lib. */
  static final String APK_INSTALLED = "/lib/apk/db/installed";
  private static final Set<String> DATABASE_FILES =
      Set.of(DPKG_STATUS, APK_INSTALLED, "/usr/lib/apk/db/installed");
  /** Files distroless puts beside a package's record in {@code status.d/}: no records. */
  private static final String MD5SUMS = ".md5sums";
  /** dpkg states of a package whose files are not on the system. */
  private static final Set<String> NOT_INSTALLED = Set.of("not-installed", "config-files");

  private PackageDatabase() {}

  /** Whether an image's layer index must keep the text of this file (up to the bound above). */
  static boolean isDatabaseFile(String path) {
    return DATABASE_FILES.contains(path)
        || LayerPaths.parent(path).equals(DPKG_STATUS_DIR) && !path.endsWith(MD5SUMS);
  }

  /** The inventory of a base's file tree (image bases: no unowned files, see OsInventory). */
  public static OsInventory read(RootFileSystem files) throws IOException {
    Optional<OsRelease> os = files.text(OS_RELEASE).or(() -> text(files, OS_RELEASE_FALLBACK))
        .flatMap(PackageDatabase::osRelease);
    List<OsPackage> packages = new ArrayList<>();
    List<String> tooLarge = new ArrayList<>();
    List<String> dpkgFiles = new ArrayList<>(List.of(DPKG_STATUS));
    for (String name : files.list(DPKG_STATUS_DIR)) {
      if (!name.endsWith(MD5SUMS)) {
        dpkgFiles.add(DPKG_STATUS_DIR + "/" + name);
      }
    }
    for (String path : dpkgFiles) {
      database(files, path, tooLarge).ifPresent(text -> packages.addAll(dpkg(text)));
    }
    database(files, APK_INSTALLED, tooLarge).ifPresent(text -> packages.addAll(apk(text)));
    Optional<String> unread = tooLarge.isEmpty() ? Optional.empty()
        : Optional.of("its package database " + String.join(", ", tooLarge) + " is over "
            + (MAX_DATABASE_BYTES >> 20) + " MiB and was not read");
    return new OsInventory(os, sorted(packages), List.of(), unread);
  }

  /** A database's text; a file there that is too large to read is noted in {@code tooLarge}. */
  private static Optional<String> database(RootFileSystem files, String path,
      List<String> tooLarge) throws IOException {
    Optional<String> text = files.text(path, MAX_DATABASE_BYTES);
    if (text.isEmpty() && files.isRegularFile(path)) {
      tooLarge.add(path);
    }
    return text;
  }

  /** The packages dpkg records as installed, in the database's order. */
  static List<OsPackage> dpkg(String database) {
    List<OsPackage> packages = new ArrayList<>();
    for (DatabaseRecord record : DatabaseRecord.split(database)) {
      dpkgPackage(record).ifPresent(packages::add);
    }
    return packages;
  }

  /** A dpkg record's package, if it names one that is installed. */
  static Optional<OsPackage> dpkgPackage(DatabaseRecord record) {
    Optional<String> name = record.dpkgField("Package");
    Optional<String> version = record.dpkgField("Version");
    if (name.isEmpty() || version.isEmpty() || !installed(record.dpkgField("Status"))) {
      return Optional.empty();
    }
    // "Source: glibc (2.36-9)" names the source package's version when it differs (cut with
    // indexOf: a regex with \s* backtracks quadratically on a hostile line of blanks)
    Optional<String> source = record.dpkgField("Source")
        .map(value -> value.indexOf('(') < 0 ? value : value.substring(0, value.indexOf('(')))
        .map(String::trim).filter(value -> !value.isEmpty());
    return Optional.of(new OsPackage(PackageKind.DPKG, name.get(), version.get(),
        record.dpkgField("Architecture").orElse(""), source, Optional.empty()));
  }

  /** Status is "WANT FLAG STATE"; distroless's status.d records have none, and are installed. */
  private static boolean installed(Optional<String> status) {
    if (status.isEmpty()) {
      return true;
    }
    String[] words = status.get().split("\\s+");
    return !NOT_INSTALLED.contains(words[words.length - 1]);
  }

  /** The packages of apk's {@code installed}, in its order. */
  static List<OsPackage> apk(String database) {
    List<OsPackage> packages = new ArrayList<>();
    for (DatabaseRecord record : DatabaseRecord.split(database)) {
      apkPackage(record).ifPresent(packages::add);
    }
    return packages;
  }

  static Optional<OsPackage> apkPackage(DatabaseRecord record) {
    Optional<String> name = record.apkField('P');
    Optional<String> version = record.apkField('V');
    if (name.isEmpty() || version.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new OsPackage(PackageKind.APK, name.get(), version.get(),
        record.apkField('A').orElse(""), record.apkField('o'), record.apkField('L')));
  }

  /** The distribution os-release (read one char a byte) names, if it names one ({@code ID}). */
  static Optional<OsRelease> osRelease(String text) {
    Map<String, String> fields = new LinkedHashMap<>();
    String utf8 = new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    for (String line : utf8.split("\n")) {
      String[] pair = line.trim().split("=", 2);
      if (pair.length == 2 && !pair[0].startsWith("#")) {
        fields.put(pair[0].trim(), unquoted(pair[1].trim()));
      }
    }
    Optional<String> id = nonEmpty(fields.get("ID"));
    return id.map(value -> new OsRelease(value, nonEmpty(fields.get("VERSION_ID")),
        nonEmpty(fields.get("PRETTY_NAME"))));
  }

  /** Packages sorted by name, version, architecture, then kind: one order for any database. */
  static List<OsPackage> sorted(List<OsPackage> packages) {
    // once each: a package in both status and status.d, or recorded twice, is one package
    Map<String, OsPackage> once = new TreeMap<>();
    for (OsPackage pkg : packages) {
      once.putIfAbsent(String.join("\0", pkg.kind().name(), pkg.name(), pkg.version(),
          pkg.architecture()), pkg);
    }
    return once.values().stream().sorted(Comparator.comparing(OsPackage::name)
        .thenComparing(OsPackage::version).thenComparing(OsPackage::architecture)
        .thenComparing(OsPackage::kind)).toList();
  }

  /** A shell-style value: quotes removed, backslash escapes inside double quotes resolved. */
  private static String unquoted(String value) {
    if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
      return value.substring(1, value.length() - 1);
    }
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      return value.substring(1, value.length() - 1).replaceAll("\\\\([\"\\\\$`])", "$1");
    }
    return value;
  }

  private static Optional<String> nonEmpty(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  private static Optional<String> text(RootFileSystem files, String path) {
    try {
      return files.text(path);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
