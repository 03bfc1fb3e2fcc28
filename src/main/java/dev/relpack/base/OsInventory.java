package dev.relpack.base;

import java.util.List;
import java.util.Optional;

/**
 * What a base says about its operating system, as scanners read it: {@code /etc/os-release} and
 * the package database ({@code /var/lib/dpkg/status} or {@code status.d/}, Alpine's
 * {@code /lib/apk/db/installed}). For the host base, also the files it copied that no package of
 * the machine owns, so an SBOM can list them as such.
 *
 * @param os the base's {@code os-release}, if it has one
 * @param packages its packages, sorted by name then version
 * @param unownedFiles absolute paths in the image of files no package owns (host base only;
 *     empty for image bases, whose files relpack did not choose), sorted
 * @param unread why the packages listed are not all the base has, when they are not: a
 *     database too large to read, or a base whose layers were not read; empty when complete
 */
public record OsInventory(Optional<OsRelease> os, List<OsPackage> packages,
    List<String> unownedFiles, Optional<String> unread) {

  public OsInventory {
    packages = List.copyOf(packages);
    unownedFiles = List.copyOf(unownedFiles);
  }

  public OsInventory(Optional<OsRelease> os, List<OsPackage> packages, List<String> unownedFiles) {
    this(os, packages, unownedFiles, Optional.empty());
  }

  /** A base that says nothing: scratch, or an image without os-release or package database. */
  public static OsInventory empty() {
    return new OsInventory(Optional.empty(), List.of(), List.of());
  }

  /** A base whose packages were not read, and why (said in the SBOM, so none is not "none"). */
  public static OsInventory unread(String why) {
    return new OsInventory(Optional.empty(), List.of(), List.of(), Optional.of(why));
  }

  /**
   * The fields of {@code os-release} that name the distribution.
   *
   * @param id {@code ID}, e.g. {@code debian}, {@code alpine}
   * @param versionId {@code VERSION_ID}, e.g. {@code 12}, {@code 3.20.3}; empty on rolling ones
   * @param prettyName {@code PRETTY_NAME}, or empty
   */
  public record OsRelease(String id, Optional<String> versionId, Optional<String> prettyName) {}

  /** Which package manager's database a package is recorded in. */
  public enum PackageKind {
    DPKG,
    APK
  }

  /**
   * One installed package, as its database records it.
   *
   * @param name the binary package name ({@code Package:} or apk's {@code P:})
   * @param version its full version ({@code Version:} or {@code V:})
   * @param architecture {@code Architecture:} or {@code A:} (e.g. {@code amd64}, {@code x86_64})
   * @param source the source package when the database names one ({@code Source:}, apk's
   *     {@code o:}), without the version dpkg may give in parentheses
   * @param license apk's {@code L:}; dpkg records none
   */
  public record OsPackage(PackageKind kind, String name, String version, String architecture,
      Optional<String> source, Optional<String> license) {}
}
