package dev.relpack.io;

/**
 * Text from untrusted input (a release's names, a registry's answers, a base's file names) made
 * safe for one line on a terminal: control characters, escapes and bidirectional overrides are
 * shown as visible escapes ({@code \x1b}, {@code \n}, {@code \u202e}) instead of acting on the
 * terminal or splitting the line, and the text is cut to a bounded length. Without this, a release
 * name holding {@code \r} and ANSI codes paints a fake "Built" line over the real error.
 */
public final class Printable {
  /** Longest untrusted name put into a message. */
  public static final int NAME_LIMIT = 200;
  /** Longest line relpack prints for a message. */
  public static final int LINE_LIMIT = 2000;

  private Printable() {}

  /** An untrusted name for a message: escaped, and cut to {@link #NAME_LIMIT} characters. */
  public static String of(String text) {
    return escaped(text, NAME_LIMIT);
  }

  /** A whole message for one output line: escaped, and cut to {@link #LINE_LIMIT} characters. */
  public static String line(String text) {
    return escaped(text, LINE_LIMIT);
  }

  /** Whether the text has anything {@link #of} would escape. */
  public static boolean needsEscaping(String text) {
    return text.codePoints().anyMatch(Printable::isUnsafe);
  }

  private static String escaped(String text, int limit) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 16);
    int i = 0;
    while (i < text.length() && out.length() < limit) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (!isUnsafe(c)) {
        out.appendCodePoint(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c <= 0xff) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.append(String.format("\\u%04x", c));
      }
    }
    if (i < text.length()) {
      out.append("...(").append(text.length() - i).append(" more characters)");
    }
    return out.toString();
  }

  /** C0 and C1 controls, DEL, format characters that reorder or hide text, lone surrogates. */
  private static boolean isUnsafe(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.getType(c) == Character.FORMAT
        || Character.getType(c) == Character.SURROGATE || c == 0x2028 || c == 0x2029;
  }
}
