package dev.relpack.elf;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads the ELF header, program headers and dynamic section of a file: enough to know which
 * loader and which shared libraries it needs. Only what the loader itself reads is used (program
 * headers, not section headers), so stripped files read the same.
 */
public final class ElfReader {
  private static final int PT_LOAD = 1;
  private static final int PT_DYNAMIC = 2;
  private static final int PT_INTERP = 3;
  private static final long DT_NULL = 0;
  private static final long DT_NEEDED = 1;
  private static final long DT_STRTAB = 5;
  private static final long DT_STRSZ = 10;
  private static final long DT_RPATH = 15;
  private static final long DT_RUNPATH = 29;
  private static final int MAX_TABLE_BYTES = 16 << 20;
  /** PATH_MAX: the kernel refuses a longer PT_INTERP, and no library name or path is longer. */
  private static final int MAX_STRING_BYTES = 4096;
  /** Real files name a few dozen libraries; the bound keeps memory and time linear in the file. */
  private static final int MAX_NAMES = 1024;
  private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

  private final SeekableByteChannel channel;
  private final long size;
  private boolean is64;
  private ByteOrder order;

  private ElfReader(SeekableByteChannel channel) throws IOException {
    this.channel = channel;
    this.size = channel.size();
  }

  /** Whether the file starts with the ELF magic number. */
  public static boolean isElf(Path file) throws IOException {
    // a plain stream: lighter to open than a channel, which counts when a release's every file
    // is asked (5,000 files: 33 against 55 ms on one core here)
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      return Arrays.equals(in.readNBytes(4), ELF_MAGIC);
    } catch (FileNotFoundException e) {
      // a stream says neither why nor in the words of the rest: NIO's exception says which
      FileChannel.open(file).close();
      throw e;
    }
  }

  public static ElfFile read(Path file) throws IOException, ElfFormatException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return new ElfReader(channel).read();
    }
  }

  /**
   * Reads ELF facts from any seekable bytes: a file of an image layer held in memory or spooled
   * to disk, as well as a file of this machine.
   */
  public static ElfFile read(SeekableByteChannel channel) throws IOException, ElfFormatException {
    return new ElfReader(channel).read();
  }

  private record Segment(long type, long offset, long vaddr, long filesz) {}

  private ElfFile read() throws IOException, ElfFormatException {
    ByteBuffer ident = bytes(0, 16);
    if (ident.getInt(0) != 0x7f454c46) {
      throw new ElfFormatException("not an ELF file");
    }
    is64 = switch (ident.get(4)) {
      case 1 -> false;
      case 2 -> true;
      default -> throw new ElfFormatException("unknown ELF class " + ident.get(4));
    };
    order = switch (ident.get(5)) {
      case 1 -> ByteOrder.LITTLE_ENDIAN;
      case 2 -> ByteOrder.BIG_ENDIAN;
      default -> throw new ElfFormatException("unknown ELF byte order " + ident.get(5));
    };
    ByteBuffer header = bytes(0, is64 ? 64 : 52);
    int machine = Short.toUnsignedInt(header.getShort(18));
    long phoff = is64 ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28));
    int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 54 : 42));
    int phnum = Short.toUnsignedInt(header.getShort(is64 ? 56 : 44));
    List<Segment> segments = segments(phoff, phentsize, phnum);

    Optional<String> interpreter = Optional.empty();
    Segment dynamic = null;
    for (Segment segment : segments) {
      if (segment.type() == PT_INTERP && interpreter.isEmpty()) { // the first, as the kernel does
        if (segment.filesz() > MAX_STRING_BYTES) {
          throw new ElfFormatException("PT_INTERP of " + segment.filesz()
              + " bytes is longer than PATH_MAX");
        }
        interpreter = Optional.of(string(bytes(segment.offset(), segment.filesz()), 0));
      } else if (segment.type() == PT_DYNAMIC) {
        dynamic = segment;
      }
    }
    return dynamic == null
        ? new ElfFile(is64, machine, interpreter, List.of(), List.of(), List.of())
        : dynamicSection(machine, interpreter, dynamic, segments);
  }

  private List<Segment> segments(long phoff, int phentsize, int phnum)
      throws IOException, ElfFormatException {
    if (phnum == 0) {
      return List.of();
    }
    if (phentsize < (is64 ? 56 : 32)) {
      throw new ElfFormatException("program header entries too small");
    }
    ByteBuffer table = bytes(phoff, (long) phentsize * phnum);
    List<Segment> segments = new ArrayList<>(phnum);
    for (int i = 0; i < phnum; i++) {
      int at = i * phentsize;
      segments.add(is64
          ? new Segment(Integer.toUnsignedLong(table.getInt(at)), table.getLong(at + 8),
              table.getLong(at + 16), table.getLong(at + 32))
          : new Segment(Integer.toUnsignedLong(table.getInt(at)), unsigned(table, at + 4),
              unsigned(table, at + 8), unsigned(table, at + 16)));
    }
    return segments;
  }

  private ElfFile dynamicSection(int machine, Optional<String> interpreter, Segment dynamic,
      List<Segment> segments) throws IOException, ElfFormatException {
    ByteBuffer entries = bytes(dynamic.offset(), dynamic.filesz());
    int entrySize = is64 ? 16 : 8;
    List<long[]> tags = new ArrayList<>();
    long strtab = -1;
    long strsz = -1;
    for (int at = 0; at + entrySize <= entries.limit(); at += entrySize) {
      long tag = is64 ? entries.getLong(at) : entries.getInt(at);
      long value = is64 ? entries.getLong(at + 8) : unsigned(entries, at + 4);
      if (tag == DT_NULL) {
        break;
      }
      if (tag == DT_STRTAB) {
        strtab = value;
      } else if (tag == DT_STRSZ) {
        strsz = value;
      } else if (tag == DT_NEEDED || tag == DT_RPATH || tag == DT_RUNPATH) {
        if (tags.size() == MAX_NAMES) {
          throw new ElfFormatException("more than " + MAX_NAMES
              + " DT_NEEDED, DT_RPATH and DT_RUNPATH entries");
        }
        tags.add(new long[] {tag, value});
      }
    }
    if (strtab < 0 || strsz < 0) {
      throw new ElfFormatException("dynamic section without a string table");
    }
    ByteBuffer strings = bytes(fileOffset(strtab, segments), strsz);
    List<String> needed = new ArrayList<>();
    List<String> runpath = new ArrayList<>();
    List<String> rpath = new ArrayList<>();
    for (long[] entry : tags) {
      if (entry[0] == DT_NEEDED) {
        needed.add(string(strings, entry[1]));
      } else if (entry[0] == DT_RUNPATH) {
        runpath.addAll(splitPath(string(strings, entry[1])));
      } else if (entry[0] == DT_RPATH) {
        rpath.addAll(splitPath(string(strings, entry[1])));
      }
    }
    return new ElfFile(is64, machine, interpreter, needed, runpath, rpath);
  }

  /** The file offset of a virtual address, through the PT_LOAD segment that maps it. */
  private static long fileOffset(long vaddr, List<Segment> segments) throws ElfFormatException {
    for (Segment segment : segments) {
      if (segment.type() == PT_LOAD && vaddr >= segment.vaddr()
          && vaddr < segment.vaddr() + segment.filesz()) {
        return vaddr - segment.vaddr() + segment.offset();
      }
    }
    throw new ElfFormatException("address 0x" + Long.toHexString(vaddr) + " is in no segment");
  }

  private static List<String> splitPath(String path) {
    return Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()).toList();
  }

  private static String string(ByteBuffer buffer, long offset) throws ElfFormatException {
    if (offset < 0 || offset >= buffer.limit()) {
      throw new ElfFormatException("string offset out of range");
    }
    int end = (int) offset;
    while (end < buffer.limit() && buffer.get(end) != 0) {
      end++;
      if (end - offset > MAX_STRING_BYTES) {
        throw new ElfFormatException("a string in the dynamic section is longer than "
            + MAX_STRING_BYTES + " bytes");
      }
    }
    byte[] text = new byte[end - (int) offset];
    buffer.get((int) offset, text);
    return new String(text, StandardCharsets.UTF_8);
  }

  private static long unsigned(ByteBuffer buffer, int at) {
    return Integer.toUnsignedLong(buffer.getInt(at));
  }

  private ByteBuffer bytes(long offset, long length) throws IOException, ElfFormatException {
    // offset > size - length, not offset + length > size: a huge offset would overflow the sum
    if (offset < 0 || length < 0 || length > MAX_TABLE_BYTES || offset > size - length) {
      throw new ElfFormatException("header points outside the file");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) length).order(order == null ? ByteOrder.BIG_ENDIAN : order);
    while (buffer.hasRemaining()) {
      channel.position(offset + buffer.position());
      if (channel.read(buffer) < 0) {
        throw new ElfFormatException("file ends inside a header");
      }
    }
    return buffer.flip();
  }
}
