package dev.relpack.testsupport;

/** Bytes that repeat over no buffer's length, so a byte read from the wrong place shows. */
public final class PatternBytes {
  private PatternBytes() {}

  public static byte[] of(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i * 31 + (i >> 9));
    }
    return bytes;
  }
}
