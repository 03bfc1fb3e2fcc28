package dev.relpack.testsupport;

import dev.relpack.io.CountingDigest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK's SHA-256, put first among the providers for a test, counting the bytes the digests
 * made meanwhile hash: how a test tells that code read a file once, not twice. Removed on close.
 */
public final class CountingSha256 extends Provider implements AutoCloseable {
  private static final long serialVersionUID = 1L;
  private final transient AtomicLong hashed = new AtomicLong();

  private CountingSha256() {
    super("counting-sha256", "1", "the JDK's SHA-256, counting the bytes hashed");
    putService(new Service(this, "MessageDigest", "SHA-256", CountingDigest.class.getName(),
        List.of("SHA256"), null) {
      @Override
      public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
        try {
          return new CountingDigest(MessageDigest.getInstance("SHA-256", "SUN"),
              hashed::addAndGet);
        } catch (NoSuchProviderException e) {
          throw new NoSuchAlgorithmException(e);
        }
      }
    });
  }

  public static CountingSha256 install() {
    CountingSha256 provider = new CountingSha256();
    Security.insertProviderAt(provider, 1);
    return provider;
  }

  /** The bytes hashed since {@link #install}. */
  public long hashed() {
    return hashed.get();
  }

  @Override
  public void close() {
    Security.removeProvider(getName());
  }
}
