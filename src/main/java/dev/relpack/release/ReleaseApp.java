package dev.relpack.release;

/**
 * An OTP application listed in the release's {@code .rel} file.
 *
 * @param started whether the boot script starts it: its type is {@code permanent} (the default),
 *     {@code transient} or {@code temporary}; a {@code load} or {@code none} application is only
 *     loaded, or not even that, so its NIFs are not loaded at boot
 */
public record ReleaseApp(String name, String version, boolean started) {
  public ReleaseApp(String name, String version) {
    this(name, version, true);
  }

  /** Its directory under {@code lib/}. */
  public String directory() {
    return name + "-" + version;
  }
}
