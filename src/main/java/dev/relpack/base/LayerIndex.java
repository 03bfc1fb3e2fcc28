package dev.relpack.base;

import dev.relpack.elf.ElfFile;
import java.util.List;
import java.util.Optional;

/**
 * What one layer of a base holds, as its tar lists it and in the tar's order: enough to apply it
 * over the layers below ({@link ImageFileTree}) and to answer the dynamic loader's questions
 * without reading the layer again. Paths are absolute and normalised ({@code /usr/lib/x.so}).
 *
 * @param digest the layer's digest, which names it in the cache and in messages
 */
public record LayerIndex(String digest, List<Entry> entries) {
  public LayerIndex {
    entries = List.copyOf(entries);
  }

  /** One tar entry, as it changes the file system below it. */
  public sealed interface Entry permits RegularFile, Directory, Symlink, HardLink, Special,
      Whiteout, Opaque {
    /** The absolute path the entry names (for a whiteout, the path it deletes). */
    String path();
  }

  /**
   * @param mode permission bits (07777)
   * @param elf what the loader reads of it, when it is an ELF file the reader could parse
   * @param text its content, for the few configuration files the loader and the check read and
   *     the package databases the SBOM reads
   */
  public record RegularFile(String path, int mode, long size, Optional<ElfFile> elf,
      Optional<String> text) implements Entry {
    public boolean executable() {
      return (mode & 0111) != 0;
    }
  }

  public record Directory(String path, int mode) implements Entry {}

  /** @param target the link's target as the tar writes it (absolute or relative) */
  public record Symlink(String path, String target) implements Entry {}

  /** @param target the absolute path of the file this entry shares content with */
  public record HardLink(String path, String target) implements Entry {}

  /** A device, FIFO or other node: it exists and hides what was there, and is no file. */
  public record Special(String path) implements Entry {}

  /** {@code .wh.NAME}: deletes {@code path} and everything under it from the layers below. */
  public record Whiteout(String path) implements Entry {}

  /** {@code .wh..wh..opq}: hides everything the layers below put in the directory {@code path}. */
  public record Opaque(String path) implements Entry {}
}
