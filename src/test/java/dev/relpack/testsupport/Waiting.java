package dev.relpack.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition, polling, up to a limit: never a sleep standing in for an event. */
public final class Waiting {
  private Waiting() {}

  public static void until(String what, Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit + " waiting until " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      }
    }
  }
}
