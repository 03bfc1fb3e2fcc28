package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ErlangTerm.Atom;
import dev.relpack.release.ErlangTerm.Binary;
import dev.relpack.release.ErlangTerm.Int;
import dev.relpack.release.ErlangTerm.ListTerm;
import dev.relpack.release.ErlangTerm.Text;
import dev.relpack.release.ErlangTerm.Tuple;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErlangTermReaderTest {

  @Test
  void readsNestedTuplesListsAtomsAndStrings() throws Exception {
    List<ErlangTerm> terms = ErlangTermReader.readAll(
        "%% coding: utf-8\n{release, {\"demo\",\"0.1.0\"}, [{kernel,\"8.5.3\",permanent}, []]}.");
    assertEquals(List.of(new Tuple(List.of(
        new Atom("release"),
        new Tuple(List.of(new Text("demo"), new Text("0.1.0"))),
        new ListTerm(List.of(
            new Tuple(List.of(new Atom("kernel"), new Text("8.5.3"), new Atom("permanent"))),
            new ListTerm(List.of())))))), terms);
  }

  @Test
  void readsSeveralTermsQuotedAtomsEscapesBinariesAndIntegers() throws Exception {
    List<ErlangTerm> terms = ErlangTermReader.readAll(
        "'Elixir.Foo'. \"a\\\"b\\n\\101\". <<\"bin\">>. -42. % trailing comment\n{}.");
    assertEquals(List.of(new Atom("Elixir.Foo"), new Text("a\"b\nA"), new Binary("bin"),
        new Int(BigInteger.valueOf(-42)), new Tuple(List.of())), terms);
  }

  @Test
  void emptyInputHasNoTerms() throws Exception {
    assertEquals(List.of(), ErlangTermReader.readAll("  % only a comment\n"));
  }

  @Test
  void reportsTheLineOfAnUnterminatedString() {
    TermSyntaxException e = assertThrows(TermSyntaxException.class,
        () -> ErlangTermReader.readAll("{a,\n\"never closed}."));
    assertTrue(e.getMessage().startsWith("line 2: unterminated string"), e.getMessage());
  }

  @Test
  void requiresTheFinalDot() {
    TermSyntaxException e = assertThrows(TermSyntaxException.class,
        () -> ErlangTermReader.readAll("{release, x}"));
    assertEquals("line 1: expected '.' before end of file", e.getMessage());
  }

  @Test
  void refusesWhatReleaseFilesNeverHold() {
    assertThrows(TermSyntaxException.class, () -> ErlangTermReader.readAll("#{a => 1}."));
    assertThrows(TermSyntaxException.class, () -> ErlangTermReader.readAll("{a b}."));
    assertThrows(TermSyntaxException.class, () -> ErlangTermReader.readAll("Var."));
  }

  @Test
  void refusesDeepNestingInsteadOfOverflowingTheStack() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000) + ".";
    TermSyntaxException e = assertThrows(TermSyntaxException.class,
        () -> ErlangTermReader.readAll(deep));
    assertTrue(e.getMessage().contains("nested more than"), e.getMessage());
  }

  private static TermSyntaxException refused(String text) {
    TermSyntaxException e = assertThrows(TermSyntaxException.class,
        () -> ErlangTermReader.readAll(text));
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r")
        || e.getMessage().contains("\u001b"), e.getMessage());
    return e;
  }

  @Test
  void aMillionDigitIntegerIsRefusedAtOnce() {
    String rel = "{release,\n" + "9".repeat(1_000_000) + "}.";
    TermSyntaxException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refused(rel));
    assertEquals("line 2: an integer of more than 64 digits", e.getMessage());
  }

  @Test
  void integersUpTo64DigitsAreRead() throws Exception {
    String digits = "-" + "7".repeat(64);
    assertEquals(List.of(new Int(new BigInteger(digits))), ErlangTermReader.readAll(digits + "."));
    assertEquals("line 1: an integer of more than 64 digits", refused("7".repeat(65) + ".")
        .getMessage());
  }

  @Test
  void atomsAreBoundedAsErlangBoundsThem() throws Exception {
    String atom = "a".repeat(255);
    assertEquals(List.of(new Atom(atom), new Atom(atom)),
        ErlangTermReader.readAll(atom + ". '" + atom + "'."));
    assertEquals("line 1: an atom of more than 255 characters", refused(atom + "a.").getMessage());
    assertEquals("line 1: an atom of more than 255 characters",
        refused("'" + atom + "a'.").getMessage());
    // the bound counts characters, not the escapes that wrote them
    assertEquals(List.of(new Atom("\n".repeat(255))),
        ErlangTermReader.readAll("'" + "\\n".repeat(255) + "'."));
  }

  @Test
  void stringsAndBinariesAreBoundedAtPathMax() throws Exception {
    String text = "s".repeat(4096);
    assertEquals(List.of(new Text(text), new Binary(text)),
        ErlangTermReader.readAll("\"" + text + "\". <<\"" + text + "\">>."));
    assertEquals("line 1: a string of more than 4096 characters",
        refused("\"" + text + "s\".").getMessage());
    assertEquals("line 3: a string of more than 4096 characters",
        refused("\n\n<<\"" + text + "s\">>.").getMessage());
  }

  @Test
  void unexpectedControlAndFormatCharactersAreShownVisibly() {
    assertEquals("line 1: unexpected character \\x1b", refused("{a, \u001b[32m}.").getMessage());
    assertEquals("line 1: unexpected character \\x07", refused("{a, \u0007b}.").getMessage());
    assertEquals("line 1: unexpected character \\u202e", refused("\u202e.").getMessage());
    assertEquals("line 1: unexpected character '#'", refused("#{}.").getMessage());
  }

  @Test
  void onlyAsciiDigitsMakeAnInteger() {
    // Arabic-Indic digits: Character.isDigit says yes, Erlang says no
    assertEquals("line 1: unexpected character '\u0661'", refused("\u0661\u0662.").getMessage());
  }
}
