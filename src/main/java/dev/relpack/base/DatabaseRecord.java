package dev.relpack.base;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One record of a package database: a paragraph of dpkg's {@code status} ({@code Field: value}
 * lines, continuation lines starting with a space or tab) or of apk's {@code installed}
 * ({@code K:value} lines). Records are separated by blank lines in both.
 *
 * @param text the record's lines exactly as the database has them, each ending in a newline,
 *     one char a byte (ISO-8859-1), so written back they are the same bytes
 */
record DatabaseRecord(String text) {

  /** The records of a database read one char a byte; lines of only blanks separate them. */
  static List<DatabaseRecord> split(String database) {
    List<DatabaseRecord> records = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int start = 0;
    while (start < database.length()) {
      int newline = database.indexOf('\n', start);
      int end = newline < 0 ? database.length() : newline + 1;
      String line = database.substring(start, end);
      if (line.isBlank()) {
        flush(current, records);
      } else {
        current.append(line);
        if (newline < 0) {
          current.append('\n'); // the last line of a file that does not end in a newline
        }
      }
      start = end;
    }
    flush(current, records);
    return records;
  }

  private static void flush(StringBuilder current, List<DatabaseRecord> records) {
    if (current.length() > 0) {
      records.add(new DatabaseRecord(current.toString()));
      current.setLength(0);
    }
  }

  /**
   * The value of a dpkg field (names are case-insensitive, as in deb822), its first line only
   * and trimmed, decoded as UTF-8; empty when the record has no such field or it is blank.
   */
  Optional<String> dpkgField(String name) {
    // line by line without splitting the record or lowercasing its lines: a machine's status
    // has a thousand records, each asked for a few fields, on every host build
    int start = 0;
    while (start < text.length()) {
      int newline = text.indexOf('\n', start);
      int end = newline < 0 ? text.length() : newline;
      if (end - start > name.length() && text.charAt(start + name.length()) == ':'
          && text.regionMatches(true, start, name, 0, name.length())) {
        return value(text.substring(start + name.length() + 1, end));
      }
      start = end + 1;
    }
    return Optional.empty();
  }

  /** The value of apk's one-letter field {@code key} (case matters: {@code o} is not {@code O}). */
  Optional<String> apkField(char key) {
    String wanted = key + ":";
    for (String line : lines()) {
      if (line.startsWith(wanted)) {
        return value(line.substring(2));
      }
    }
    return Optional.empty();
  }

  /** The record's lines, without their newlines. */
  List<String> lines() {
    return List.of(text.split("\n"));
  }

  /** The record's bytes as the database had them. */
  byte[] bytes() {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Optional<String> value(String raw) {
    String value = new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
        .trim();
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }
}
