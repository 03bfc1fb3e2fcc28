package dev.relpack.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Random mutations of an input, generic (bits, bytes, ranges, numbers) plus ones that know a
 * format well enough to get past its first checks: tokens of Erlang terms, tar headers with their
 * checksum fixed, ELF header and program header fields.
 */
public final class Mutator {
  private static final int MAX_SIZE = 1 << 20;
  private static final long[] INTERESTING = {0, 1, 2, 7, 8, 16, 0x7f, 0x80, 0xff, 0x100, 511, 512,
      4095, 4096, 4097, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffffL, 0x80000000L, 0xffffffffL,
      0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, -512};

  /** One mutation: the input (never changed in place) to a new input. */
  public interface Op {
    byte[] apply(byte[] input, Random random);
  }

  private final List<Op> ops;
  private final Finish finish;

  private interface Finish {
    byte[] apply(byte[] input, Random random);
  }

  private Mutator(List<Op> ops, Finish finish) {
    this.ops = List.copyOf(ops);
    this.finish = finish;
  }

  /** Byte-level mutations only. */
  public static Mutator bytes() {
    return new Mutator(generic(), (input, random) -> input);
  }

  /** Byte-level mutations and insertions of Erlang term tokens. */
  public static Mutator erlangTerms() {
    List<Op> ops = new ArrayList<>(generic());
    String[] tokens = {"{", "}", "[", "]", "<<", ">>", "\"", "'", "\\", ".", ",", "%", "-", "\n",
        "0", "-0", "9".repeat(70), "a".repeat(256), "'" + "q".repeat(300) + "'", "\\0", "\\777",
        "\\x", "\u001b", "\u202e", "\u0661", "{release,", "{erts,", "[]", "{}", "<<\"", "\">>",
        "%%", "..", "\r\n", "\t"};
    for (int i = 0; i < 3; i++) {
      ops.add((input, random) -> insert(input, random.nextInt(input.length + 1),
          tokens[random.nextInt(tokens.length)].getBytes(StandardCharsets.ISO_8859_1)));
    }
    ops.add(Mutator::repeatRange);
    return new Mutator(ops, (input, random) -> input);
  }

  /**
   * Mutations of a plain tar: mostly of header fields with the checksum fixed so the header is
   * read, some of raw bytes; a third of the results are gzip-compressed.
   */
  public static Mutator tar() {
    List<Op> ops = new ArrayList<>(generic());
    for (int i = 0; i < 6; i++) {
      ops.add(Mutator::tarHeaderField);
    }
    ops.add(Mutator::tarDuplicateBlock);
    ops.add(Mutator::tarDuplicateBlock);
    return new Mutator(ops, (input, random) -> random.nextInt(3) == 0 ? gzip(input) : input);
  }

  /** Mutations of ELF header and program header fields, plus generic ones. */
  public static Mutator elf() {
    List<Op> ops = new ArrayList<>(generic());
    for (int i = 0; i < 6; i++) {
      ops.add(Mutator::elfField);
    }
    return new Mutator(ops, (input, random) -> input);
  }

  public byte[] mutate(byte[] input, Random random) {
    byte[] out;
    try {
      out = ops.get(random.nextInt(ops.size())).apply(input, random);
    } catch (RuntimeException e) {
      out = input; // a format-aware op on an input earlier mutations made unreadable to it
    }
    return out.length > MAX_SIZE ? Arrays.copyOf(out, MAX_SIZE) : out;
  }

  /** The last step on a mutated input, e.g. compressing it. */
  public byte[] finish(byte[] input, Random random) {
    return finish.apply(input, random);
  }

  private static List<Op> generic() {
    return List.of(
        (input, random) -> edit(input, random, b -> {
          b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
          return b;
        }),
        (input, random) -> edit(input, random, b -> {
          b[random.nextInt(b.length)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
          return b;
        }),
        (input, random) -> edit(input, random, b -> {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
          return b;
        }),
        (input, random) -> {
          byte[] bytes = new byte[1 + random.nextInt(16)];
          random.nextBytes(bytes);
          return insert(input, random.nextInt(input.length + 1), bytes);
        },
        Mutator::deleteRange,
        Mutator::repeatRange,
        (input, random) -> Arrays.copyOf(input, random.nextInt(input.length + 1)),
        (input, random) -> writeNumber(input, random.nextInt(Math.max(1, input.length)), random));
  }

  private static byte[] edit(byte[] input, Random random, UnaryOperator<byte[]> change) {
    return input.length == 0 ? input : change.apply(input.clone());
  }

  private static byte[] insert(byte[] input, int at, byte[] bytes) {
    byte[] out = new byte[input.length + bytes.length];
    System.arraycopy(input, 0, out, 0, at);
    System.arraycopy(bytes, 0, out, at, bytes.length);
    System.arraycopy(input, at, out, at + bytes.length, input.length - at);
    return out;
  }

  private static byte[] deleteRange(byte[] input, Random random) {
    if (input.length == 0) {
      return input;
    }
    int from = random.nextInt(input.length);
    int to = Math.min(input.length, from + 1 + random.nextInt(random.nextBoolean() ? 16 : 4096));
    byte[] out = new byte[input.length - (to - from)];
    System.arraycopy(input, 0, out, 0, from);
    System.arraycopy(input, to, out, from, input.length - to);
    return out;
  }

  /** Copies a range of the input, several times, to another place: grows lists and nesting. */
  private static byte[] repeatRange(byte[] input, Random random) {
    if (input.length == 0) {
      return input;
    }
    int from = random.nextInt(input.length);
    int length = Math.min(input.length - from, 1 + random.nextInt(64));
    byte[] range = Arrays.copyOfRange(input, from, from + length);
    int times = 1 + random.nextInt(random.nextBoolean() ? 4 : 200);
    ByteArrayOutputStream repeated = new ByteArrayOutputStream();
    for (int i = 0; i < times; i++) {
      repeated.writeBytes(range);
    }
    return insert(input, random.nextInt(input.length + 1), repeated.toByteArray());
  }

  private static long interestingNumber(byte[] input, Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> input.length + random.nextInt(64) - 32;
      case 1 -> random.nextLong();
      default -> INTERESTING[random.nextInt(INTERESTING.length)];
    };
  }

  /** An interesting number written as 2, 4 or 8 bytes in either byte order. */
  private static byte[] writeNumber(byte[] input, int at, Random random) {
    int width = 2 << random.nextInt(3);
    if (at + width > input.length) {
      return input;
    }
    ByteBuffer buffer = ByteBuffer.wrap(input.clone())
        .order(random.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    long value = interestingNumber(input, random);
    switch (width) {
      case 2 -> buffer.putShort(at, (short) value);
      case 4 -> buffer.putInt(at, (int) value);
      default -> buffer.putLong(at, value);
    }
    return buffer.array();
  }

  // --- tar

  private static final String TYPES = "0012345LKxgSVMXD7\0";
  private static final String[] NAMES = {"../x", "/etc/passwd", "a/../../b", "./a/./b", "a//b",
      "releases/", "bin/demo", "././@LongLink", "a\nb", "\u001b[31m", "x".repeat(99), "", ".",
      "..", "releases/0.1.0/demo.rel", "erts-13.1.5/bin/beam.smp", "a/b/c/d/e/f/g/h"};

  private static List<Integer> headers(byte[] tar) {
    List<Integer> headers = new ArrayList<>();
    for (int at = 0; at + 512 <= tar.length; at += 512) {
      if (new String(tar, at + 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
        headers.add(at);
      }
    }
    return headers;
  }

  private static byte[] tarHeaderField(byte[] input, Random random) {
    List<Integer> headers = headers(input);
    if (headers.isEmpty()) {
      return input;
    }
    byte[] tar = input.clone();
    int at = headers.get(random.nextInt(headers.size()));
    switch (random.nextInt(6)) {
      case 0 -> tar[at + 156] = (byte) TYPES.charAt(random.nextInt(TYPES.length()));
      case 1, 2 -> writeTarNumber(tar, at + 124, 12, interestingNumber(input, random), random);
      case 3 -> writeField(tar, at, 100, NAMES[random.nextInt(NAMES.length)]);
      case 4 -> writeField(tar, at + 157, 100, NAMES[random.nextInt(NAMES.length)]);
      default -> writeTarNumber(tar, at + 100, 8, random.nextInt(01000), random); // mode
    }
    fixChecksum(tar, at);
    return tar;
  }

  /** Copies a header with the data after it elsewhere: repeated entries, chained long names. */
  private static byte[] tarDuplicateBlock(byte[] input, Random random) {
    List<Integer> headers = headers(input);
    if (headers.isEmpty()) {
      return input;
    }
    int from = headers.get(random.nextInt(headers.size()));
    int blocks = 1 + random.nextInt(3);
    byte[] copy = Arrays.copyOfRange(input, from, Math.min(input.length, from + 512 * blocks));
    int to = headers.get(random.nextInt(headers.size()));
    int times = 1 + random.nextInt(random.nextBoolean() ? 2 : 40);
    byte[] out = input;
    for (int i = 0; i < times; i++) {
      out = insert(out, to, copy);
    }
    return out;
  }

  private static void writeField(byte[] tar, int at, int length, String value) {
    Arrays.fill(tar, at, at + length, (byte) 0);
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, tar, at, Math.min(length, bytes.length));
  }

  /** Octal with a NUL as tar writes it, or GNU base-256 for big and negative values. */
  private static void writeTarNumber(byte[] tar, int at, int length, long value, Random random) {
    if (value >= 0 && value < (1L << (3 * (length - 1))) && random.nextInt(4) != 0) {
      String octal = String.format("%0" + (length - 1) + "o", value);
      writeField(tar, at, length, octal);
    } else {
      ByteBuffer.wrap(tar, at, length).putLong(at + length - 8, value);
      Arrays.fill(tar, at, at + length - 8, value < 0 ? (byte) 0xff : 0);
      tar[at] = (byte) (value < 0 ? 0xff : 0x80);
    }
  }

  private static void fixChecksum(byte[] tar, int at) {
    Arrays.fill(tar, at + 148, at + 156, (byte) ' ');
    long sum = 0;
    for (int i = at; i < at + 512; i++) {
      sum += tar[i] & 0xff;
    }
    byte[] octal = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(octal, 0, tar, at + 148, 8);
  }

  private static byte[] gzip(byte[] input) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
      gz.write(input);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  // --- ELF

  /** An interesting number in a header field, a program header field or a dynamic entry. */
  private static byte[] elfField(byte[] input, Random random) {
    if (input.length < 64 || input[0] != 0x7f) {
      return input;
    }
    boolean is64 = input[4] == 2;
    ByteBuffer elf = ByteBuffer.wrap(input)
        .order(input[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    long phoff = is64 ? elf.getLong(32) : Integer.toUnsignedLong(elf.getInt(28));
    int phentsize = Short.toUnsignedInt(elf.getShort(is64 ? 54 : 42));
    int phnum = Short.toUnsignedInt(elf.getShort(is64 ? 56 : 44));
    int[] headerFields = is64 ? new int[] {4, 5, 32, 54, 56} : new int[] {4, 5, 28, 42, 44};
    int[] programFields = is64 ? new int[] {0, 8, 16, 32} : new int[] {0, 4, 8, 16};
    int at;
    int width;
    int choice = random.nextInt(3);
    if (choice == 0 || phnum == 0 || phoff <= 0 || phoff + (long) phnum * phentsize > input.length) {
      int field = random.nextInt(headerFields.length);
      at = headerFields[field];
      width = field < 2 ? 1 : field == 2 ? (is64 ? 8 : 4) : 2;
    } else if (choice == 1) {
      int field = random.nextInt(programFields.length);
      at = (int) phoff + random.nextInt(phnum) * phentsize + programFields[field];
      width = field == 0 || !is64 ? 4 : 8;
    } else {
      at = dynamicEntry(input, elf, is64, (int) phoff, phentsize, phnum, random);
      width = is64 ? 8 : 4;
      if (at < 0) {
        return input;
      }
    }
    if (at + width > input.length) {
      return input;
    }
    byte[] out = input.clone();
    ByteBuffer target = ByteBuffer.wrap(out).order(elf.order());
    long value = interestingNumber(input, random);
    switch (width) {
      case 1 -> out[at] = (byte) (random.nextInt(4));
      case 2 -> target.putShort(at, (short) value);
      case 4 -> target.putInt(at, (int) value);
      default -> target.putLong(at, value);
    }
    return out;
  }

  /** The offset of a tag or value in the dynamic section, or -1. */
  private static int dynamicEntry(byte[] input, ByteBuffer elf, boolean is64, int phoff,
      int phentsize, int phnum, Random random) {
    for (int i = 0; i < phnum; i++) {
      int entry = phoff + i * phentsize;
      if (elf.getInt(entry) == 2) {
        long offset = is64 ? elf.getLong(entry + 8) : Integer.toUnsignedLong(elf.getInt(entry + 4));
        long size = is64 ? elf.getLong(entry + 32) : Integer.toUnsignedLong(elf.getInt(entry + 16));
        int entrySize = is64 ? 16 : 8;
        if (offset <= 0 || size < entrySize || offset + size > input.length) {
          return -1;
        }
        int n = random.nextInt((int) (size / entrySize));
        return (int) offset + n * entrySize + (random.nextBoolean() ? 0 : entrySize / 2);
      }
    }
    return -1;
  }
}
