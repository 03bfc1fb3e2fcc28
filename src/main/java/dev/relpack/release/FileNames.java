package dev.relpack.release;

/** File names as release readers check and print them. */
final class FileNames {
  private FileNames() {}

  /** Whether a name holds a control character (newlines would break one-line messages and indexes). */
  static boolean hasControlCharacter(String name) {
    return name.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
  }
}
