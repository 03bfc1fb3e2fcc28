package dev.relpack.registry;

/**
 * How many bytes relpack reads from a registry for each kind of document it keeps in memory. A
 * registry is untrusted: without these, a 2 GiB Content-Length or an endless chunked body would
 * fill the heap. The defaults are far above what real images use (a large multi-platform index
 * is tens of kB, an image config rarely passes 100 kB, a token a few kB).
 *
 * @param manifest bytes of an image manifest or an index
 * @param config bytes of an image config blob
 * @param token bytes of a token server's answer
 */
public record ReadLimits(long manifest, long config, long token) {
  private static final long MIB = 1024 * 1024;

  /** 4 MiB per manifest or index, 8 MiB per config, 1 MiB per token answer. */
  public static final ReadLimits DEFAULT = new ReadLimits(4 * MIB, 8 * MIB, MIB);

  /** A size as people read it: {@code 4 MiB}, {@code 512 bytes}. */
  static String describe(long bytes) {
    return bytes >= MIB && bytes % MIB == 0 ? bytes / MIB + " MiB"
        : bytes >= 1024 && bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
  }
}
