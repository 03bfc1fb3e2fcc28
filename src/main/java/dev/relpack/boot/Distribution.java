package dev.relpack.boot;

import dev.relpack.elf.RootFileSystem;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The distribution a base comes from, as its own files say ({@code /etc/os-release}, else the
 * release files older images carry): it decides which package manager a hint names.
 *
 * @param id os-release's {@code ID} ({@code debian}, {@code ubuntu}, {@code alpine}, ...)
 * @param like os-release's {@code ID_LIKE}
 */
public record Distribution(String id, List<String> like) {
  public static final Distribution UNKNOWN = new Distribution("", List.of());

  public Distribution {
    like = List.copyOf(like);
  }

  /** The package family whose names hints use. */
  public enum Family {
    DEBIAN("Debian", "apt-get install"),
    ALPINE("Alpine", "apk add"),
    UNKNOWN("", "");

    private final String label;
    private final String install;

    Family(String label, String install) {
      this.label = label;
      this.install = install;
    }

    public String label() {
      return label;
    }

    /** The command that installs a package, without the package. */
    public String install() {
      return install;
    }
  }

  public static Distribution of(RootFileSystem files) throws IOException {
    Optional<String> osRelease = files.text("/etc/os-release").or(() -> text(files, "/usr/lib/os-release"));
    if (osRelease.isPresent()) {
      return parse(osRelease.get());
    }
    if (files.isRegularFile("/etc/alpine-release")) {
      return new Distribution("alpine", List.of());
    }
    if (files.isRegularFile("/etc/debian_version")) {
      return new Distribution("debian", List.of());
    }
    return UNKNOWN;
  }

  static Distribution parse(String osRelease) {
    String id = "";
    List<String> like = List.of();
    for (String line : osRelease.split("\n")) {
      String[] pair = line.trim().split("=", 2);
      if (pair.length != 2) {
        continue;
      }
      String value = pair[1].trim().replaceAll("^[\"']|[\"']$", "").toLowerCase(Locale.ROOT);
      if (pair[0].equals("ID")) {
        id = value;
      } else if (pair[0].equals("ID_LIKE")) {
        like = Arrays.stream(value.split("\\s+")).filter(s -> !s.isEmpty()).toList();
      }
    }
    return new Distribution(id, like);
  }

  public Family family() {
    if (is("debian") || is("ubuntu")) {
      return Family.DEBIAN;
    }
    return is("alpine") ? Family.ALPINE : Family.UNKNOWN;
  }

  /** How hints name it: {@code Ubuntu} for Ubuntu, else the family's name. */
  public String label() {
    return id.equals("ubuntu") ? "Ubuntu" : family().label();
  }

  private boolean is(String name) {
    return id.equals(name) || like.contains(name);
  }

  private static Optional<String> text(RootFileSystem files, String path) {
    try {
      return files.text(path);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
