package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import dev.relpack.error.RegistryException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class RegistryDeadlineTest {
  @Test
  void aPhaseThatOutlivesItsLimitFailsNamingTheRegistryAndIsMarkedExpired() {
    CountDownLatch never = new CountDownLatch(1);
    RegistryDeadline deadline = deadline(Duration.ofMillis(300), List.of("reg:5000"));
    long started = System.nanoTime();
    RegistryException e = assertThrows(RegistryException.class, () -> deadline.run("pushing x",
        () -> {
          never.await();
          return null;
        }));
    long took = (System.nanoTime() - started) / 1_000_000;
    assertTrue(took >= 300 && took < 5_000, took + " ms");
    assertEquals("registry reg:5000 did not answer within 300 ms (pushing x); pass {timeout}"
        + " SECONDS to wait longer", e.getMessage());
    assertTrue(deadline.expired());
    assertTrue(deadline.executor().isShutdown(), "no step of jib's can start after");
  }

  @Test
  void aPhaseRunsOnADaemonThreadAndItsResultAndErrorsComeBack() {
    RegistryDeadline deadline = deadline(Duration.ofSeconds(30), List.of("a", "b"));
    assertTrue(deadline.run("x", () -> Thread.currentThread().isDaemon()));
    assertFalse(deadline.expired());
    BadInputException bad = new BadInputException("bad");
    assertSame(bad, assertThrows(BadInputException.class,
        () -> deadline(Duration.ofSeconds(30), List.of("a")).run("x", () -> {
          throw bad;
        })));
  }

  @Test
  void runningOutOfMemoryInARegistryPhaseIsTheRegistrysDoing() {
    RegistryException e = assertThrows(RegistryException.class,
        () -> deadline(Duration.ofSeconds(30), List.of("a:1", "b:2")).run("pulling",
            () -> {
              throw new OutOfMemoryError("Java heap space");
            }));
    assertEquals("registries a:1, b:2 sent more than fits in memory (pulling); no real image is"
        + " that large", e.getMessage());
  }

  @Test
  void aPhaseWithoutRegistriesRunsHereWithoutLimit() {
    Thread caller = Thread.currentThread();
    RegistryDeadline deadline = deadline(Duration.ofNanos(1), List.of());
    assertSame(caller, deadline.run("writing tar:x", Thread::currentThread));
    assertThrows(OutOfMemoryError.class, () -> deadline(Duration.ofSeconds(1),
        List.of()).run("x", () -> {
          throw new OutOfMemoryError();
        }));
  }

  @Test
  void aPhaseRunsOnThreadsThatCarryTheBuildsTrust() {
    TlsTrust trust = TlsTrust.jvm();
    RegistryDeadline deadline = RegistryDeadline.of(Duration.ofSeconds(30), List.of("a"), trust);
    assertSame(trust, deadline.run("x", () -> ((TlsTrust.TrustingThread) Thread.currentThread())
        .trust()));
  }

  private static RegistryDeadline deadline(Duration limit, List<String> registries) {
    return RegistryDeadline.of(limit, registries, TlsTrust.jvm());
  }
}
