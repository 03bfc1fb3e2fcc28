package dev.relpack.image;

import dev.relpack.error.InternalException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One build's turn at jib's {@code sendCredentialsOverHttp} system property. jib reads it once a
 * build, when {@code containerize} makes its build context, just before its first timer event; a
 * property is JVM-wide, and two builds in one JVM (a Maven reactor with {@code -T 2}) may
 * disagree on it. So every build takes a turn, sets the property as it needs it (or clears it:
 * a build that must not send credentials over plain HTTP never sees another's {@code true}),
 * and ends the turn at jib's first timer event, or when the attempt ends without one. The property
 * is then as it was before the turn.
 */
final class CredentialsOverHttpTurn implements AutoCloseable {
  static final String PROPERTY = "sendCredentialsOverHttp";
  /**
   * The one turn in the JVM, because the property it guards is JVM-wide; fair, so a build
   * waiting for it gets it in order.
   */
  private static final Semaphore TURN = new Semaphore(1, true);

  private final String before;
  private final AtomicBoolean ended = new AtomicBoolean();

  private CredentialsOverHttpTurn(String before) {
    this.before = before;
  }

  /**
   * Waits for the turn, then sets the property to {@code true} when {@code send}, else clears it.
   *
   * @throws InternalException when interrupted while waiting (the build was given up)
   */
  static CredentialsOverHttpTurn take(boolean send) {
    try {
      TURN.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalException("interrupted while waiting to start jib", e);
    }
    CredentialsOverHttpTurn turn = new CredentialsOverHttpTurn(System.getProperty(PROPERTY));
    if (send) {
      System.setProperty(PROPERTY, "true");
    } else {
      System.clearProperty(PROPERTY);
    }
    return turn;
  }

  /** Puts the property back as it was and gives the turn to the next build; only once. */
  @Override
  public void close() {
    if (ended.compareAndSet(false, true)) {
      if (before == null) {
        System.clearProperty(PROPERTY);
      } else {
        System.setProperty(PROPERTY, before);
      }
      TURN.release();
    }
  }
}
