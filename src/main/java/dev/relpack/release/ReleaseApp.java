package dev.relpack.release;

/** An OTP application listed in the release's {@code .rel} file. */
public record ReleaseApp(String name, String version) {
  /** Its directory under {@code lib/}. */
  public String directory() {
    return name + "-" + version;
  }
}
