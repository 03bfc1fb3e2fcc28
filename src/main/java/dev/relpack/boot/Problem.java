package dev.relpack.boot;

import java.util.List;
import java.util.Optional;

/**
 * One thing a base lacks for the release to boot, with every file that needs it.
 *
 * @param missing what is missing: a library's name, a loader's or program's path, {@code ERTS
 *     13.1.5}, an application's directory name ({@code stdlib-4.3})
 * @param neededBy who needs it: release files relative to the release root, base files as
 *     absolute paths
 * @param packageName the package of the base's distribution that provides it, when known
 * @param advice what to do, in words that name no front end's option
 */
public record Problem(Kind kind, String missing, List<String> neededBy,
    Optional<String> packageName, String advice) {

  /** How many of those who need it a message names before "and N more". */
  private static final int NAMED = 3;

  public Problem {
    neededBy = List.copyOf(neededBy);
  }

  public enum Kind {
    /** An ELF interpreter (PT_INTERP). */
    LOADER,
    /** A shared library (DT_NEEDED). */
    LIBRARY,
    /** The release is built for another C library than the base's. */
    LIBC,
    /** A shell or a command the release scripts run. */
    PROGRAM,
    /** The Erlang runtime a release without ERTS takes from the base. */
    ERTS,
    /** An OTP application a release without ERTS takes from the base. */
    APPLICATION;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One line: {@code libcrypto.so.3: needed by lib/crypto-5.1.2/priv/lib/crypto.so; advice}. */
  public String message() {
    return missing + ": needed by " + who() + "; " + advice;
  }

  private String who() {
    if (neededBy.size() <= NAMED) {
      return String.join(", ", neededBy);
    }
    return String.join(", ", neededBy.subList(0, NAMED)) + " and " + (neededBy.size() - NAMED)
        + " more";
  }
}
