package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.release.ErlangTerm.Atom;
import dev.relpack.release.ErlangTerm.Binary;
import dev.relpack.release.ErlangTerm.Int;
import dev.relpack.release.ErlangTerm.ListTerm;
import dev.relpack.release.ErlangTerm.Text;
import dev.relpack.release.ErlangTerm.Tuple;
import java.math.BigInteger;
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
}
