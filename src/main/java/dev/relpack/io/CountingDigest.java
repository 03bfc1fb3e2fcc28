package dev.relpack.io;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.MessageDigestSpi;
import java.util.function.LongConsumer;

/**
 * A message digest that tells how many bytes it hashed, for a provider that offers another's
 * digest and needs to know how much is hashed (relpack's switch to NSS, a test's count).
 */
public final class CountingDigest extends MessageDigestSpi implements Cloneable {
  private MessageDigest digest;
  private final LongConsumer counted;

  /** @param counted told the length of each update */
  public CountingDigest(MessageDigest digest, LongConsumer counted) {
    this.digest = digest;
    this.counted = counted;
  }

  @Override
  protected void engineUpdate(byte input) {
    digest.update(input);
    counted.accept(1);
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int length) {
    digest.update(input, offset, length);
    counted.accept(length);
  }

  @Override
  protected void engineUpdate(ByteBuffer input) {
    int length = input.remaining();
    digest.update(input);
    counted.accept(length);
  }

  @Override
  protected byte[] engineDigest() {
    return digest.digest();
  }

  @Override
  protected int engineDigest(byte[] buffer, int offset, int length) throws DigestException {
    return digest.digest(buffer, offset, length);
  }

  @Override
  protected int engineGetDigestLength() {
    return digest.getDigestLength();
  }

  @Override
  protected void engineReset() {
    digest.reset();
  }

  @Override
  public Object clone() throws CloneNotSupportedException {
    CountingDigest copy = (CountingDigest) super.clone();
    copy.digest = (MessageDigest) digest.clone();
    return copy;
  }
}
