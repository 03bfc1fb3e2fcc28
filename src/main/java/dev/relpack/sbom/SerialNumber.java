package dev.relpack.sbom;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A document's serial number as a name-based UUID (RFC 9562 version 5, SHA-1) of what it
 * describes: the same image always gets the same serial number, another image another one.
 */
final class SerialNumber {
  /** relpack's namespace: the version 5 UUID of {@code https://relpack.dev/sbom} in the URL one. */
  static final UUID NAMESPACE =
      of(UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
          "https://relpack.dev/sbom".getBytes(StandardCharsets.UTF_8));

  private SerialNumber() {}

  /**
   * The serial number of an image.
   *
   * @param digest its manifest digest, {@code sha256:} and 64 hex digits
   */
  static UUID ofImage(String digest) {
    String hex = digest.startsWith("sha256:") ? digest.substring(7) : digest;
    return of(NAMESPACE, HexFormat.of().parseHex(hex));
  }

  /** The serial number of a release without an image: of the digest of its content. */
  static UUID ofContent(byte[] sha256) {
    return of(NAMESPACE, sha256);
  }

  static UUID of(UUID namespace, byte[] name) {
    MessageDigest sha1;
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-1", e);
    }
    sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
        .putLong(namespace.getLeastSignificantBits()).array());
    byte[] hash = sha1.digest(name);
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // the RFC's variant
    ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
    return new UUID(bytes.getLong(), bytes.getLong());
  }
}
