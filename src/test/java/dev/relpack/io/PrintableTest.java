package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrintableTest {
  @Test
  void controlCharactersAndEscapesBecomeVisible() {
    assertEquals("a\\rb\\x1b[32mc\\nd\\te\\x7f\\x9b", Printable.of("a\rb\u001b[32mc\nd\te\u007f\u009b"));
  }

  @Test
  void bidirectionalOverridesAndLineSeparatorsAreShown() {
    assertEquals("evil\\u202etxt.exe\\u2028x", Printable.of("evil\u202etxt.exe\u2028x"));
  }

  @Test
  void ordinaryTextIncludingNonAsciiIsLeftAlone() {
    String text = "relpack: release démo-0.1.0 (mix), 日本語 ok";
    assertEquals(text, Printable.line(text));
    assertFalse(Printable.needsEscaping(text));
    assertTrue(Printable.needsEscaping("a\u001bb"));
  }

  @Test
  void namesAndLinesAreCutToABoundedLength() {
    String huge = "x".repeat(64 << 20);
    String name = Printable.of(huge);
    assertTrue(name.startsWith("x".repeat(Printable.NAME_LIMIT) + "...("), name.substring(0, 10));
    assertTrue(name.length() < Printable.NAME_LIMIT + 40, "length " + name.length());
    assertTrue(name.endsWith(((64 << 20) - Printable.NAME_LIMIT) + " more characters)"), name);
    assertTrue(Printable.line(huge).length() < Printable.LINE_LIMIT + 40);
  }

  @Test
  void aNullMessageIsEmptyNotTheWordNull() {
    assertEquals("", Printable.line(null));
  }
}
