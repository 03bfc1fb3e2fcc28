package dev.relpack.boot;

import java.util.Map;
import java.util.Optional;

/**
 * Which package provides a library or program a release needs, on the distributions Elixir
 * images are built on. Names are those of Debian 12 / Ubuntu 22.04+ and Alpine 3.17+; a name
 * not listed gets no package, only the advice to install what provides it.
 */
final class PackageHints {
  private record Names(String debian, String alpine) {}

  private static final Map<String, Names> LIBRARIES = Map.ofEntries(
      Map.entry("libc.so.6", new Names("libc6", null)),
      Map.entry("libm.so.6", new Names("libc6", null)),
      Map.entry("libpthread.so.0", new Names("libc6", null)),
      Map.entry("libdl.so.2", new Names("libc6", null)),
      Map.entry("librt.so.1", new Names("libc6", null)),
      Map.entry("libutil.so.1", new Names("libc6", null)),
      Map.entry("ld-linux-x86-64.so.2", new Names("libc6", null)),
      Map.entry("ld-linux-aarch64.so.1", new Names("libc6", null)),
      Map.entry("libc.musl-x86_64.so.1", new Names(null, "musl")),
      Map.entry("libc.musl-aarch64.so.1", new Names(null, "musl")),
      Map.entry("ld-musl-x86_64.so.1", new Names("musl", "musl")),
      Map.entry("ld-musl-aarch64.so.1", new Names("musl", "musl")),
      Map.entry("libstdc++.so.6", new Names("libstdc++6", "libstdc++")),
      Map.entry("libgcc_s.so.1", new Names("libgcc-s1", "libgcc")),
      Map.entry("libtinfo.so.6", new Names("libtinfo6", "ncurses-libs")),
      Map.entry("libncursesw.so.6", new Names("libncursesw6", "ncurses-libs")),
      Map.entry("libncurses.so.6", new Names("libncurses6", "ncurses-libs")),
      Map.entry("libtinfo.so.5", new Names("libtinfo5", null)),
      Map.entry("libcrypto.so.3", new Names("libssl3", "libcrypto3")),
      Map.entry("libssl.so.3", new Names("libssl3", "libssl3")),
      Map.entry("libcrypto.so.1.1", new Names("libssl1.1", "libcrypto1.1")),
      Map.entry("libssl.so.1.1", new Names("libssl1.1", "libssl1.1")),
      Map.entry("libz.so.1", new Names("zlib1g", "zlib")),
      Map.entry("libsystemd.so.0", new Names("libsystemd0", null)),
      Map.entry("libsctp.so.1", new Names("libsctp1", "lksctp-tools")),
      Map.entry("libodbc.so.2", new Names("libodbc2", "unixodbc")),
      Map.entry("libcap.so.2", new Names("libcap2", "libcap2")),
      Map.entry("liblzma.so.5", new Names("liblzma5", "xz-libs")),
      Map.entry("libzstd.so.1", new Names("libzstd1", "zstd-libs")),
      Map.entry("libgcrypt.so.20", new Names("libgcrypt20", "libgcrypt")),
      Map.entry("libgpg-error.so.0", new Names("libgpg-error0", "libgpg-error")),
      Map.entry("liblz4.so.1", new Names("liblz4-1", "lz4-libs")));

  private static final Map<String, Names> PROGRAMS = Map.ofEntries(
      Map.entry("sh", new Names("dash", "busybox")),
      Map.entry("bash", new Names("bash", "bash")),
      Map.entry("sed", new Names("sed", "busybox")),
      Map.entry("grep", new Names("grep", "busybox")),
      Map.entry("awk", new Names("mawk", "busybox")),
      Map.entry("erl", new Names("erlang-base", "erlang")));

  private PackageHints() {}

  /** The package of that family which provides the library. */
  static Optional<String> library(String name, Distribution.Family family) {
    return pick(LIBRARIES.get(name.substring(name.lastIndexOf('/') + 1)), family);
  }

  /** The package of that family which provides the program; coreutils and busybox otherwise. */
  static Optional<String> program(String name, Distribution.Family family) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    return pick(PROGRAMS.getOrDefault(base, new Names("coreutils", "busybox")), family);
  }

  /** Both names, for a base whose distribution is not known: "Debian: x, Alpine: y". */
  static Optional<String> both(String name, boolean program) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    Names names = program ? PROGRAMS.getOrDefault(base, new Names("coreutils", "busybox"))
        : LIBRARIES.get(base);
    if (names == null) {
      return Optional.empty();
    }
    StringBuilder text = new StringBuilder();
    if (names.debian() != null) {
      text.append("Debian: ").append(names.debian());
    }
    if (names.alpine() != null) {
      text.append(text.length() > 0 ? ", " : "").append("Alpine: ").append(names.alpine());
    }
    return Optional.of(text.toString());
  }

  private static Optional<String> pick(Names names, Distribution.Family family) {
    if (names == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(switch (family) {
      case DEBIAN -> names.debian();
      case ALPINE -> names.alpine();
      case UNKNOWN -> null;
    });
  }
}
