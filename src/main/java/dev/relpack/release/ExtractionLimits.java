package dev.relpack.release;

/**
 * Bounds on what reading a release may unpack or copy, so a hostile or mistaken input (a gzip bomb,
 * {@code --release /}) fails fast instead of filling the disk.
 */
public record ExtractionLimits(long maxBytes, int maxEntries) {
  /** Far above any real release (a large Phoenix release is ~150 MB and ~10,000 files). */
  public static final ExtractionLimits DEFAULT = new ExtractionLimits(4L << 30, 200_000);

  public ExtractionLimits {
    if (maxBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }
}
