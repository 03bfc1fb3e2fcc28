package dev.relpack.release;

import dev.relpack.io.Printable;
import dev.relpack.release.ErlangTerm.Atom;
import dev.relpack.release.ErlangTerm.Binary;
import dev.relpack.release.ErlangTerm.Int;
import dev.relpack.release.ErlangTerm.ListTerm;
import dev.relpack.release.ErlangTerm.Text;
import dev.relpack.release.ErlangTerm.Tuple;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a file of dot-terminated Erlang terms, as written by systools and mix into {@code .rel} and
 * {@code RELEASES}: atoms (plain and quoted), strings, binaries of one string, integers, tuples and
 * lists, with {@code %} comments. Anything else is reported as a syntax error with its line.
 *
 * <p>Every token is bounded in length so that reading stays linear in the text and no value is
 * larger than a release can need: parsing a huge integer is quadratic, and a name or version that
 * long would only end up in messages and paths.
 */
public final class ErlangTermReader {
  private static final int MAX_DEPTH = 64;
  /** Release files hold no integers that matter; 64 digits is more than any 128-bit number. */
  static final int MAX_INTEGER_DIGITS = 64;
  /** Erlang itself refuses atoms longer than 255 characters. */
  static final int MAX_ATOM_CHARS = 255;
  /** Strings are names, versions and paths: PATH_MAX. */
  static final int MAX_STRING_CHARS = 4096;

  private final String text;
  private int pos;

  private ErlangTermReader(String text) {
    this.text = text;
  }

  /** All the terms in {@code text}, each of which must end with a dot. */
  public static List<ErlangTerm> readAll(String text) throws TermSyntaxException {
    ErlangTermReader reader = new ErlangTermReader(text);
    List<ErlangTerm> terms = new ArrayList<>();
    reader.skipBlank();
    while (!reader.atEnd()) {
      terms.add(reader.term(0));
      reader.skipBlank();
      reader.expect('.');
      reader.skipBlank();
    }
    return terms;
  }

  private ErlangTerm term(int depth) throws TermSyntaxException {
    if (depth > MAX_DEPTH) {
      throw error("terms nested more than " + MAX_DEPTH + " deep");
    }
    skipBlank();
    if (atEnd()) {
      throw error("unexpected end of file");
    }
    char c = text.charAt(pos);
    if (c == '{') {
      return new Tuple(sequence('{', '}', depth));
    }
    if (c == '[') {
      return new ListTerm(sequence('[', ']', depth));
    }
    if (c == '"') {
      return new Text(quoted('"', MAX_STRING_CHARS));
    }
    if (c == '\'') {
      return new Atom(quoted('\'', MAX_ATOM_CHARS));
    }
    if (c == '<' && text.startsWith("<<", pos)) {
      return binary();
    }
    if (c == '-' || isDigit(c)) {
      return integer();
    }
    if (Character.isLowerCase(c)) {
      return new Atom(bareAtom());
    }
    throw error("unexpected character " + visible(c));
  }

  private List<ErlangTerm> sequence(char open, char close, int depth) throws TermSyntaxException {
    expect(open);
    List<ErlangTerm> elements = new ArrayList<>();
    skipBlank();
    if (peek(close)) {
      pos++;
      return elements;
    }
    while (true) {
      elements.add(term(depth + 1));
      skipBlank();
      if (peek(',')) {
        pos++;
      } else {
        expect(close);
        return elements;
      }
    }
  }

  private ErlangTerm binary() throws TermSyntaxException {
    pos += 2;
    skipBlank();
    String value = peek('"') ? quoted('"', MAX_STRING_CHARS) : "";
    skipBlank();
    if (!text.startsWith(">>", pos)) {
      throw error("expected '>>'");
    }
    pos += 2;
    return new Binary(value);
  }

  private ErlangTerm integer() throws TermSyntaxException {
    int start = pos;
    if (peek('-')) {
      pos++;
    }
    int digits = pos;
    while (!atEnd() && isDigit(text.charAt(pos))) {
      pos++;
      if (pos - digits > MAX_INTEGER_DIGITS) {
        throw error("an integer of more than " + MAX_INTEGER_DIGITS + " digits");
      }
    }
    if (pos == digits) {
      throw error("expected a number");
    }
    return new Int(new BigInteger(text.substring(start, pos)));
  }

  /** ASCII digits only: Character.isDigit would take any script's digits, Erlang does not. */
  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private String bareAtom() throws TermSyntaxException {
    int start = pos;
    while (!atEnd()) {
      char c = text.charAt(pos);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '@')) {
        break;
      }
      pos++;
      if (pos - start > MAX_ATOM_CHARS) {
        throw error("an atom of more than " + MAX_ATOM_CHARS + " characters");
      }
    }
    return text.substring(start, pos);
  }

  private String quoted(char quote, int maxChars) throws TermSyntaxException {
    expect(quote);
    String what = quote == '"' ? "string" : "quoted atom";
    StringBuilder value = new StringBuilder();
    while (true) {
      if (atEnd()) {
        throw error("unterminated " + what);
      }
      char c = text.charAt(pos++);
      if (c == quote) {
        return value.toString();
      }
      value.append(c == '\\' ? escaped() : c);
      if (value.length() > maxChars) {
        throw error((quote == '"' ? "a string" : "an atom") + " of more than " + maxChars
            + " characters");
      }
    }
  }

  /** A character of the text for a message: quoted if it prints, else as a visible escape. */
  private static String visible(char c) {
    String shown = Printable.of(String.valueOf(c));
    return shown.length() == 1 ? "'" + c + "'" : shown;
  }

  private char escaped() throws TermSyntaxException {
    if (atEnd()) {
      throw error("unterminated escape");
    }
    char c = text.charAt(pos++);
    return switch (c) {
      case 'n' -> '\n';
      case 't' -> '\t';
      case 'r' -> '\r';
      case 's' -> ' ';
      case 'e' -> 27;
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'v' -> 11;
      case 'd' -> 127;
      default -> c >= '0' && c <= '7' ? octal(c) : c;
    };
  }

  private char octal(char first) {
    int value = first - '0';
    for (int i = 0; i < 2 && !atEnd(); i++) {
      char c = text.charAt(pos);
      if (c < '0' || c > '7') {
        break;
      }
      value = value * 8 + (c - '0');
      pos++;
    }
    return (char) value;
  }

  private void skipBlank() {
    while (!atEnd()) {
      char c = text.charAt(pos);
      if (c == '%') {
        while (!atEnd() && text.charAt(pos) != '\n') {
          pos++;
        }
      } else if (Character.isWhitespace(c)) {
        pos++;
      } else {
        return;
      }
    }
  }

  private void expect(char c) throws TermSyntaxException {
    skipBlank();
    if (!peek(c)) {
      throw error(atEnd() ? "expected '" + c + "' before end of file" : "expected '" + c + "'");
    }
    pos++;
  }

  private boolean peek(char c) {
    return !atEnd() && text.charAt(pos) == c;
  }

  private boolean atEnd() {
    return pos >= text.length();
  }

  private TermSyntaxException error(String what) {
    int line = 1;
    for (int i = 0; i < Math.min(pos, text.length()); i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return new TermSyntaxException("line " + line + ": " + what);
  }
}
