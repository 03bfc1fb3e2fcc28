package dev.relpack.cli;

import dev.relpack.error.Input;

/** relpack's messages in the command line's words: the input {@code to} is {@code --to}. */
final class CliWording {
  private CliWording() {}

  static String of(String message) {
    return Input.render(message, input -> "--" + input.key());
  }
}
