package dev.relpack.elf;

/** A file that starts like ELF but whose headers do not hold together. */
public final class ElfFormatException extends Exception {
  public ElfFormatException(String message) {
    super(message);
  }
}
