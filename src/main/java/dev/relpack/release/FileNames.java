package dev.relpack.release;

/** File names as release readers check and print them. */
final class FileNames {
  private FileNames() {}

  /** Whether a name holds a control character (newlines would break one-line messages and indexes). */
  static boolean hasControlCharacter(String name) {
    for (int i = 0; i < name.length(); i++) { // a loop: called for each of thousands of files
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
