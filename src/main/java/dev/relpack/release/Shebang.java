package dev.relpack.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The {@code #!} line of a script: the words the kernel runs it with. */
public final class Shebang {
  /** The kernel reads no more of the line (BINPRM_BUF_SIZE is 256 on Linux 5.1 and later). */
  private static final int MAX_LINE_BYTES = 256;

  private Shebang() {}

  /** env's options that take the next word as their argument. */
  private static final List<String> ENV_OPTIONS_WITH_ARGUMENT =
      List.of("-u", "--unset", "-C", "--chdir");

  /**
   * For a {@code #!/usr/bin/env ...} line's words, the program env runs: the first word after
   * env's options and {@code NAME=VALUE} assignments; empty for a bare {@code env}.
   */
  public static Optional<String> programAfterEnv(List<String> words) {
    int i = 1;
    while (i < words.size() && (words.get(i).startsWith("-") || words.get(i).contains("="))) {
      i += ENV_OPTIONS_WITH_ARGUMENT.contains(words.get(i)) ? 2 : 1;
    }
    return i < words.size() ? Optional.of(words.get(i)) : Optional.empty();
  }

  /** The words after {@code #!}, split on blanks; empty when the file has no such line. */
  public static Optional<List<String>> words(Path script) throws IOException {
    byte[] head = new byte[MAX_LINE_BYTES];
    int read;
    try (InputStream in = Files.newInputStream(script)) {
      read = in.readNBytes(head, 0, head.length);
    }
    if (read < 3 || head[0] != '#' || head[1] != '!') {
      return Optional.empty();
    }
    String line = new String(head, 2, read - 2, StandardCharsets.ISO_8859_1).split("\n", 2)[0];
    return Optional.of(Arrays.stream(line.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
  }
}
