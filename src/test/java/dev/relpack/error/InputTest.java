package dev.relpack.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InputTest {
  @Test
  void anInputIsNamedByItsPlaceholderInMessages() {
    assertEquals("{registry-ca}", Input.REGISTRY_CA.toString());
    assertEquals("pass {registry-ca} FILE", "pass " + Input.REGISTRY_CA + " FILE");
  }

  @Test
  void eachFrontEndWordsTheInputsAndNothingElse() {
    String message = Input.TO + " x: see {'init terminating in do_boot'} and {tos} {to}";
    assertEquals("--to x: see {'init terminating in do_boot'} and {tos} --to",
        Input.render(message, input -> "--" + input.key()));
    assertEquals("<TO> x: see {'init terminating in do_boot'} and {tos} <TO>",
        Input.render(message, input -> "<" + input.name() + ">"));
  }

  @Test
  void replacementsAreTakenLiterally() {
    assertEquals("$1 \\ done", Input.render("{to} done", input -> "$1 \\"));
  }
}
