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
import dev.relpack.elf.ElfFormatException;
import dev.relpack.elf.ElfReader;
import dev.relpack.elf.RootFileSystem;
import dev.relpack.error.BadInputException;
import dev.relpack.io.BoundedTarInputStream;
import dev.relpack.io.Printable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/**
 * Reads one layer's tar, as a stream, into a {@link LayerIndex}. Only metadata is kept, plus the
 * ELF facts of ELF files, the text of the loader's few configuration files and of the package
 * databases ({@link PackageDatabase}); file content is read entry by entry and dropped, so a
 * layer of any size costs memory in proportion to its number of entries and kept texts, and a
 * hostile layer is stopped at {@link #MAX_ENTRIES} entries and
 * {@link #MAX_INDEX_CHARS} characters of names, link targets, texts and library names.
 */
public final class LayerIndexer {
  /** A large distribution layer holds about 100,000 entries; this is ten times that. */
  public static final int MAX_ENTRIES = 1_000_000;
  /**
   * Names, link targets, kept texts and ELF strings of one layer together. A Debian base layer
   * needs under 1 million; this bounds what a hostile layer can make the index (and the heap)
   * hold, at about 128 MiB per layer.
   */
  public static final long MAX_INDEX_CHARS = 64L << 20;
  /** PATH_MAX: no runtime can create a longer path or link target. */
  static final int MAX_NAME_CHARS = 4096;
  /** ELF files up to this size are parsed in memory; larger ones are spooled to a file. */
  public static final long DEFAULT_IN_MEMORY_ELF_BYTES = 8L << 20;
  /**
   * The largest ELF file read at all: the largest shared libraries (libLLVM, libcuda) are a few
   * hundred MiB; a larger "ELF" file is not a library a release links, and spooling it would let
   * a layer of a few KiB (a sparse entry, a gzip bomb) fill the disk.
   */
  public static final long MAX_ELF_BYTES = 512L << 20;

  private static final Set<String> TEXT_FILES = Set.of("/etc/ld.so.conf", "/etc/os-release",
      "/usr/lib/os-release", "/etc/alpine-release", "/etc/debian_version");
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

  private final Path workDir;
  private final long inMemoryElfBytes;

  /**
   * @param workDir where ELF files larger than {@code inMemoryElfBytes} are spooled while they
   *     are parsed (each is deleted right after)
   * @param inMemoryElfBytes the largest ELF file parsed in memory (at most 1 GiB, an array's
   *     reach with room to spare); 0 spools every one
   */
  public LayerIndexer(Path workDir, long inMemoryElfBytes) {
    this.workDir = workDir;
    this.inMemoryElfBytes = Math.min(Math.max(0, inMemoryElfBytes), 1L << 30);
  }

  public LayerIndexer(Path workDir) {
    this(workDir, DEFAULT_IN_MEMORY_ELF_BYTES);
  }

  /** Whether the loader or the check reads the file's text, so the index keeps it. */
  private static boolean keepsText(String path) {
    if (TEXT_FILES.contains(path)) {
      return true;
    }
    String parent = LayerPaths.parent(path);
    String name = LayerPaths.name(path);
    return parent.equals("/etc/ld.so.conf.d")
        || parent.equals("/etc") && name.startsWith("ld-musl-") && name.endsWith(".path");
  }

  /**
   * The longest text the index keeps of the file: package databases (read for the image's
   * SBOM) are larger than configuration files; 0 for a file whose text is not kept.
   */
  static long textLimit(String path) {
    if (PackageDatabase.isDatabaseFile(path)) {
      return PackageDatabase.MAX_DATABASE_BYTES;
    }
    return keepsText(path) ? RootFileSystem.MAX_TEXT_BYTES : 0;
  }

  /**
   * Indexes the uncompressed tar {@code tar} of the layer {@code digest}, reading it to its end
   * (so an opener that verifies the digest at the end gets to) but not closing it.
   */
  public LayerIndex index(String digest, InputStream tar) throws IOException {
    Source source = new Source(tar);
    Reading reading = new Reading(digest);
    try {
      BoundedTarInputStream entries = new BoundedTarInputStream(source, "base layer " + digest);
      for (TarArchiveEntry entry; (entry = entries.getNextEntry()) != null; ) {
        reading.add(entry, entries);
      }
      // the end-of-archive blocks may leave bytes unread: read them, so the digest is checked
      source.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      if (source.failed(e)) {
        // network and digest failures are typed by the opener and do not arrive here: what
        // does is the layer's own compression, broken or cut short
        throw new BadInputException("base layer " + digest + " cannot be uncompressed ("
            + Printable.of(String.valueOf(e.getMessage())) + "); refusing the base", e);
      }
      throw new BadInputException("base layer " + digest + " is not a readable tar ("
          + Printable.of(String.valueOf(e.getMessage())) + "); refusing the base", e);
    }
    return new LayerIndex(digest, reading.entries);
  }

  /** The layer's stream, remembering its failures to tell them from a malformed tar's. */
  private static final class Source extends FilterInputStream {
    private IOException failure;

    Source(InputStream in) {
      super(in);
    }

    boolean failed(IOException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t == failure) {
          return true;
        }
      }
      return false;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return super.skip(n);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }

  /** The state of reading one layer: its entries so far and what they cost. */
  private final class Reading {
    private final String digest;
    private final List<Entry> entries = new ArrayList<>();
    private long chars;

    Reading(String digest) {
      this.digest = digest;
    }

    void add(TarArchiveEntry tar, InputStream content) throws IOException {
      if (entries.size() == MAX_ENTRIES) {
        throw refuse("has more than " + MAX_ENTRIES + " entries");
      }
      String path = LayerPaths.absolute(bounded(tar.getName()), digest);
      charge(path.length());
      String name = LayerPaths.name(path);
      if (name.startsWith(WHITEOUT)) {
        whiteout(path, name);
        return;
      }
      int mode = tar.getMode() & 07777;
      if (tar.isSymbolicLink()) {
        String target = bounded(tar.getLinkName());
        charge(target.length());
        entries.add(new Symlink(path, target));
      } else if (tar.isLink()) {
        String target = LayerPaths.absolute(bounded(tar.getLinkName()), digest);
        charge(target.length());
        entries.add(new HardLink(path, target));
      } else if (tar.isDirectory()) {
        entries.add(new Directory(path, mode));
      } else if (tar.isCharacterDevice() || tar.isBlockDevice() || tar.isFIFO()) {
        entries.add(new Special(path));
      } else if (isRegularFile(tar)) {
        // a sparse entry expands to its real size as it is read: its content is never read
        entries.add(tar.isSparse()
            ? new RegularFile(path, mode, tar.getRealSize(), Optional.empty(), Optional.empty())
            : regularFile(path, mode, tar.getSize(), content));
      }
      // anything else (volume labels, unknown types) is nothing a runtime extracts
    }

    private void whiteout(String path, String name) {
      String parent = LayerPaths.parent(path);
      if (name.equals(OPAQUE)) {
        entries.add(new Opaque(parent));
      } else if (name.startsWith(WHITEOUT + WHITEOUT)) {
        // AUFS's own bookkeeping (.wh..wh.plnk, .wh..wh.aufs): runtimes skip it
      } else {
        String deleted = name.substring(WHITEOUT.length());
        if (deleted.isEmpty() || deleted.equals(".") || deleted.equals("..")) {
          throw refuse("has a whiteout \"" + Printable.of(path) + "\" for no file");
        }
        entries.add(new Whiteout(LayerPaths.child(parent, deleted)));
      }
    }

    private RegularFile regularFile(String path, int mode, long size, InputStream content)
        throws IOException {
      Optional<String> text = Optional.empty();
      Optional<ElfFile> elf = Optional.empty();
      long textLimit = textLimit(path);
      if (textLimit > 0 && size <= textLimit) {
        text = Optional.of(new String(exactly(content, (int) size), StandardCharsets.ISO_8859_1));
        charge(size);
      } else if (size >= ELF_MAGIC.length && size <= MAX_ELF_BYTES) {
        byte[] magic = exactly(content, ELF_MAGIC.length);
        if (java.util.Arrays.equals(magic, ELF_MAGIC)) {
          elf = elf(magic, size, content);
          elf.ifPresent(facts -> charge(chars(facts)));
        }
      }
      return new RegularFile(path, mode, size, elf, text);
    }

    /** The ELF facts of an entry whose first bytes were {@code magic}; empty if unparseable. */
    private Optional<ElfFile> elf(byte[] magic, long size, InputStream rest) throws IOException {
      if (size <= inMemoryElfBytes) {
        byte[] file = new byte[(int) size];
        System.arraycopy(magic, 0, file, 0, magic.length);
        readFully(rest, file, magic.length);
        return parsed(() -> ElfReader.read(new SeekableInMemoryByteChannel(file)));
      }
      Files.createDirectories(workDir);
      Path spool = Files.createTempFile(workDir, "layer-elf", ".tmp");
      try {
        try (OutputStream out = Files.newOutputStream(spool)) {
          out.write(magic);
          copy(rest, out, size - magic.length);
        }
        try (FileChannel channel = FileChannel.open(spool, StandardOpenOption.READ)) {
          return parsed(() -> ElfReader.read(channel));
        }
      } finally {
        Files.deleteIfExists(spool);
      }
    }

    /** At most {@code bytes} of {@code in}, whatever the stream would go on to give. */
    private static void copy(InputStream in, OutputStream out, long bytes) throws IOException {
      byte[] buffer = new byte[64 << 10];
      for (long left = bytes; left > 0; ) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          return;
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }

    private void charge(long n) {
      chars += n;
      if (chars > MAX_INDEX_CHARS) {
        throw refuse("holds more than " + MAX_INDEX_CHARS + " characters of names, link"
            + " targets and loader configuration");
      }
    }

    private String bounded(String name) {
      if (name.length() > MAX_NAME_CHARS) {
        throw refuse("has a name or link target of " + name.length() + " characters, longer than"
            + " any path Linux allows (it starts \"" + Printable.of(name) + "\")");
      }
      return name;
    }

    private byte[] exactly(InputStream in, int n) throws IOException {
      byte[] bytes = new byte[n];
      readFully(in, bytes, 0);
      return bytes;
    }

    private void readFully(InputStream in, byte[] into, int from) throws IOException {
      int at = from;
      for (int read; at < into.length && (read = in.read(into, at, into.length - at)) > 0; ) {
        at += read;
      }
      if (at < into.length) {
        throw new EOFException("base layer " + digest + " ends inside a file");
      }
    }

    private BadInputException refuse(String what) {
      return new BadInputException("base layer " + digest + " " + what
          + "; refusing it as corrupt or hostile");
    }
  }

  /**
   * Regular files, by type flag: commons-compress's {@code isFile()} also says yes to every type
   * it does not know (volume labels, vendor extensions), which runtimes do not extract as files.
   */
  private static boolean isRegularFile(TarArchiveEntry tar) {
    byte type = tar.getLinkFlag();
    return type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM
        || type == TarConstants.LF_CONTIG || tar.isSparse();
  }

  private interface ElfParse {
    ElfFile parse() throws IOException, ElfFormatException;
  }

  private static Optional<ElfFile> parsed(ElfParse parse) throws IOException {
    try {
      return Optional.of(parse.parse());
    } catch (ElfFormatException e) {
      return Optional.empty(); // the loader would refuse it too: a plain file
    }
  }

  private static long chars(ElfFile elf) {
    long n = elf.interpreter().map(String::length).orElse(0);
    for (List<String> names : List.of(elf.needed(), elf.runpath(), elf.rpath())) {
      for (String name : names) {
        n += name.length();
      }
    }
    return n;
  }
}
