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
