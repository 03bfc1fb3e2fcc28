package dev.relpack.base;

import dev.relpack.elf.OffLimits;
import dev.relpack.error.BadInputException;
import dev.relpack.release.Shebang;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a release may make the host base copy from the build machine. The release is untrusted
 * (it carries code from many packages) while the machine holds the CI job's secrets, so a name the
 * release writes (an ELF loader, a {@code #!} interpreter) is taken only where such a thing lives:
 * loaders in the library directories, interpreters in the program directories, never anything
 * under {@code /proc}, {@code /sys}, {@code /dev} or {@code /etc}. Anything else stops the build
 * naming the release file that asked.
 */
final class HostFileRules {
  static final List<String> PROGRAM_DIRS = List.of("/usr/local/sbin", "/usr/local/bin",
      "/usr/sbin", "/usr/bin", "/sbin", "/bin");
  /** /lib, /lib64, /usr/lib32, and one multiarch level below them (/usr/lib/x86_64-linux-gnu). */
  private static final Pattern LIBRARY_DIR =
      Pattern.compile("/(usr/)?lib(32|64|x32)?(/[A-Za-z0-9_.+-]+-linux-[A-Za-z0-9_.+-]+)?");
  private static final String PROGRAMS = String.join(", ", PROGRAM_DIRS);

  private HostFileRules() {}

  /** A release ELF file's PT_INTERP: a loader's path in a library directory, or refused. */
  static void requireLoader(String interpreter, String releaseFile) {
    String name = interpreter.substring(interpreter.lastIndexOf('/') + 1);
    if (!isNormalAbsolute(interpreter) || !name.startsWith("ld")
        || !LIBRARY_DIR.matcher(Rootfs.parent(interpreter)).matches()) {
      throw new BadInputException("release file " + releaseFile + " names " + interpreter
          + " as its ELF loader (PT_INTERP); the host base takes a loader only from the machine's"
          + " library directories (/lib, /lib64, /usr/lib, ...), named ld*: rebuild that file");
    }
  }

  /**
   * The program a {@code #!} line runs, the way the kernel and {@code env} find it: an absolute
   * path, or a plain name to look up in {@link #PROGRAM_DIRS}. The first word
   * must be an absolute path in a program directory; for {@code env}, its options and
   * {@code NAME=VALUE} words are skipped and the program is the next word, a plain name (looked up
   * on PATH) or again an absolute path in a program directory. Empty for a bare {@code env}.
   */
  static Optional<String> interpreter(List<String> words, String releaseFile) {
    String first = words.get(0);
    requireProgram(first, releaseFile);
    if (!first.endsWith("/env")) {
      return Optional.of(first);
    }
    Optional<String> program = Shebang.programAfterEnv(words);
    if (program.isPresent() && program.get().contains("/")) {
      requireProgram(program.get(), releaseFile);
    }
    return program;
  }

  /** A machine file the rules above led to, checked once links are followed. */
  static void requireResolvedProgram(String named, String real, String releaseFile) {
    if (OffLimits.contains(real)) {
      throw new BadInputException("release file " + releaseFile + " asks for " + named
          + ", which on this machine leads to " + real + "; the host base copies no file from "
          + String.join(", ", OffLimits.TREES) + ": fix that file's #! line");
    }
  }

  private static void requireProgram(String program, String releaseFile) {
    if (!isNormalAbsolute(program) || !PROGRAM_DIRS.contains(Rootfs.parent(program))) {
      throw new BadInputException("release file " + releaseFile + " has the #! interpreter "
          + program + "; the host base takes interpreters only from " + PROGRAMS
          + ": fix that file's #! line");
    }
  }

  private static boolean isNormalAbsolute(String path) {
    return path.startsWith("/") && !path.endsWith("/")
        && Path.of(path).normalize().toString().equals(path);
  }
}
