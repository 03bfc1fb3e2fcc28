package dev.relpack.base;

import dev.relpack.base.LayerIndex.Directory;
import dev.relpack.base.LayerIndex.Entry;
import dev.relpack.base.LayerIndex.HardLink;
import dev.relpack.base.LayerIndex.Opaque;
import dev.relpack.base.LayerIndex.RegularFile;
import dev.relpack.base.LayerIndex.Special;
import dev.relpack.base.LayerIndex.Symlink;
import dev.relpack.base.LayerIndex.Whiteout;
import dev.relpack.elf.ElfFile;
import dev.relpack.io.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A {@link LayerIndex} as bytes for the cache: compact and quick to load (a base's indexes are
 * read on every check), and checked whole before use, since other jobs write the same cache.
 *
 * <p>Layout: the magic {@code RELPKIDX}, the format version, the layer digest, the SHA-256 of the
 * payload and the payload's length; then the payload: the entry count, and for each entry its
 * kind, its path as the length it shares with the previous path plus the rest (tars list
 * neighbours together, so this halves the size), and what the kind carries. Numbers are
 * unsigned LEB128 varints, strings a varint length and UTF-8.
 */
final class LayerIndexCodec {
  /** Bumped whenever the layout or what the indexer records changes; older files are re-made. */
  static final int VERSION = 2;
  private static final byte[] MAGIC = "RELPKIDX".getBytes(StandardCharsets.US_ASCII);
  private static final int FILE = 0;
  private static final int DIRECTORY = 1;
  private static final int SYMLINK = 2;
  private static final int HARD_LINK = 3;
  private static final int SPECIAL = 4;
  private static final int WHITEOUT = 5;
  private static final int OPAQUE = 6;
  private static final int HAS_ELF = 1;
  private static final int HAS_TEXT = 2;
  private static final int HAS_INTERPRETER = 4;
  private static final int IS_64_BIT = 8;

  private LayerIndexCodec() {}

  /** Why a cache file cannot be used; it is then treated as absent. */
  static final class Unusable extends Exception {
    Unusable(String reason) {
      super(reason);
    }
  }

  static byte[] encode(LayerIndex index) {
    Writer payload = new Writer();
    payload.number(index.entries().size());
    String previous = "";
    for (Entry entry : index.entries()) {
      int shared = sharedPrefix(previous, entry.path());
      payload.number(kind(entry));
      payload.number(shared);
      payload.string(entry.path().substring(shared));
      previous = entry.path();
      if (entry instanceof RegularFile file) {
        file(payload, file);
      } else if (entry instanceof Directory directory) {
        payload.number(directory.mode());
      } else if (entry instanceof Symlink link) {
        payload.string(link.target());
      } else if (entry instanceof HardLink link) {
        payload.string(link.target());
      }
    }
    byte[] body = payload.bytes();
    Writer file = new Writer();
    file.out.writeBytes(MAGIC);
    file.number(VERSION);
    file.string(index.digest());
    file.out.writeBytes(Sha256.newDigest().digest(body));
    file.number(body.length);
    file.out.writeBytes(body);
    return file.bytes();
  }

  private static void file(Writer out, RegularFile file) {
    Optional<ElfFile> elf = file.elf();
    int flags = (elf.isPresent() ? HAS_ELF : 0) | (file.text().isPresent() ? HAS_TEXT : 0)
        | (elf.flatMap(ElfFile::interpreter).isPresent() ? HAS_INTERPRETER : 0)
        | (elf.map(ElfFile::is64Bit).orElse(false) ? IS_64_BIT : 0);
    out.number(flags);
    out.number(file.mode());
    out.number(file.size());
    if (elf.isPresent()) {
      out.number(elf.get().machine());
      if (elf.get().interpreter().isPresent()) {
        out.string(elf.get().interpreter().get());
      }
      out.strings(elf.get().needed());
      out.strings(elf.get().runpath());
      out.strings(elf.get().rpath());
    }
    if (file.text().isPresent()) {
      out.string(file.text().get());
    }
  }

  /**
   * The index in {@code bytes}, if they are a whole file of this version for {@code digest}.
   *
   * @throws Unusable saying why not
   */
  static LayerIndex decode(byte[] bytes, String digest) throws Unusable {
    try {
      Reader in = new Reader(ByteBuffer.wrap(bytes));
      if (!Arrays.equals(in.raw(MAGIC.length), MAGIC)) {
        throw new Unusable("not a relpack layer index");
      }
      long version = in.number();
      if (version != VERSION) {
        throw new Unusable("format version " + version + ", not " + VERSION);
      }
      String named = in.string();
      if (!named.equals(digest)) {
        throw new Unusable("it indexes another layer");
      }
      byte[] sha = in.raw(32);
      long length = in.number();
      if (length != in.buffer.remaining()) {
        throw new Unusable("truncated or extended");
      }
      ByteBuffer body = in.buffer.slice();
      MessageDigest check = Sha256.newDigest();
      check.update(body.duplicate());
      if (!MessageDigest.isEqual(check.digest(), sha)) {
        throw new Unusable("its content does not match its checksum");
      }
      return new LayerIndex(digest, entries(new Reader(body)));
    } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new Unusable("truncated or malformed");
    }
  }

  private static List<Entry> entries(Reader in) throws Unusable {
    int count = in.length();
    if (count > LayerIndexer.MAX_ENTRIES) {
      throw new Unusable("too many entries");
    }
    List<Entry> entries = new ArrayList<>(count);
    String previous = "";
    for (int i = 0; i < count; i++) {
      int kind = (int) in.number();
      long shared = in.number();
      if (shared < 0 || shared > previous.length()) {
        throw new Unusable("malformed path");
      }
      String path = previous.substring(0, (int) shared) + in.string();
      if (!path.startsWith("/")) {
        throw new Unusable("a path that is not absolute");
      }
      previous = path;
      entries.add(switch (kind) {
        case FILE -> file(in, path);
        case DIRECTORY -> new Directory(path, in.mode());
        case SYMLINK -> new Symlink(path, in.string());
        case HARD_LINK -> new HardLink(path, in.string());
        case SPECIAL -> new Special(path);
        case WHITEOUT -> new Whiteout(path);
        case OPAQUE -> new Opaque(path);
        default -> throw new Unusable("unknown entry kind " + kind);
      });
    }
    if (in.buffer.hasRemaining()) {
      throw new Unusable("bytes after the last entry");
    }
    return entries;
  }

  private static RegularFile file(Reader in, String path) throws Unusable {
    int flags = (int) in.number();
    int mode = in.mode();
    long size = in.number();
    Optional<ElfFile> elf = Optional.empty();
    if ((flags & HAS_ELF) != 0) {
      long machine = in.number();
      if (machine < 0 || machine > 0xffff) {
        throw new Unusable("malformed ELF machine");
      }
      Optional<String> interpreter = (flags & HAS_INTERPRETER) != 0
          ? Optional.of(in.string()) : Optional.empty();
      elf = Optional.of(new ElfFile((flags & IS_64_BIT) != 0, (int) machine, interpreter,
          in.strings(), in.strings(), in.strings()));
    }
    Optional<String> text = (flags & HAS_TEXT) != 0 ? Optional.of(in.string()) : Optional.empty();
    return new RegularFile(path, mode, size, elf, text);
  }

  private static int kind(Entry entry) {
    if (entry instanceof RegularFile) {
      return FILE;
    } else if (entry instanceof Directory) {
      return DIRECTORY;
    } else if (entry instanceof Symlink) {
      return SYMLINK;
    } else if (entry instanceof HardLink) {
      return HARD_LINK;
    } else if (entry instanceof Special) {
      return SPECIAL;
    } else if (entry instanceof Whiteout) {
      return WHITEOUT;
    }
    return OPAQUE;
  }

  private static int sharedPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    // never split a surrogate pair: the rest is written as UTF-8 on its own
    return i > 0 && Character.isHighSurrogate(b.charAt(i - 1)) ? i - 1 : i;
  }

  private static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);

    void number(long value) {
      long v = value;
      while ((v & ~0x7fL) != 0) {
        out.write((int) ((v & 0x7f) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    void string(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      number(utf8.length);
      out.writeBytes(utf8);
    }

    void strings(List<String> list) {
      number(list.size());
      for (String s : list) {
        string(s);
      }
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  private static final class Reader {
    final ByteBuffer buffer;

    Reader(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    long number() throws Unusable {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buffer.get();
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw new Unusable("malformed number");
    }

    /** A count or length: it cannot exceed the bytes left, whatever the file says. */
    int length() throws Unusable {
      long n = number();
      if (n < 0 || n > buffer.remaining()) {
        throw new Unusable("a length past the end");
      }
      return (int) n;
    }

    int mode() throws Unusable {
      return (int) (number() & 07777);
    }

    byte[] raw(int n) {
      byte[] bytes = new byte[n];
      buffer.get(bytes);
      return bytes;
    }

    String string() throws Unusable {
      int n = length();
      String s = new String(buffer.array(), buffer.arrayOffset() + buffer.position(), n,
          StandardCharsets.UTF_8);
      buffer.position(buffer.position() + n);
      return s;
    }

    List<String> strings() throws Unusable {
      int n = length();
      List<String> list = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        list.add(string());
      }
      return list;
    }
  }
}
