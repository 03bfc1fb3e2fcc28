package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.RegistryException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AtOnceTest {
  @Test
  void tasksRunAtOnceAndTheirResultsComeInTheirOrder() {
    CountDownLatch allStarted = new CountDownLatch(3);
    // each waits for the others: one after the other, the first would wait in vain
    Callable<String> a = () -> awaitOthers(allStarted, "a");
    Callable<String> b = () -> awaitOthers(allStarted, "b");
    Callable<String> c = () -> awaitOthers(allStarted, "c");
    assertEquals(List.of("a", "b", "c"), AtOnce.all(List.of(a, b, c)));
  }

  private static String awaitOthers(CountDownLatch allStarted, String result)
      throws InterruptedException {
    allStarted.countDown();
    return allStarted.await(10, TimeUnit.SECONDS) ? result : "alone";
  }

  @Test
  void theFirstFailureInOrderIsThrownOnceEveryTaskHasFinished() {
    RegistryException first = new RegistryException("first", null);
    RegistryException second = new RegistryException("second", null);
    AtomicInteger finished = new AtomicInteger();
    CountDownLatch failing = new CountDownLatch(2);
    Callable<Object> slowFine = () -> {
      failing.await(10, TimeUnit.SECONDS); // finishes after both failures: still waited for
      return finished.incrementAndGet();
    };
    Callable<Object> failsSecond = () -> {
      failing.countDown();
      throw second;
    };
    Callable<Object> failsFirst = () -> {
      failing.countDown();
      throw first;
    };
    RegistryException thrown = assertThrows(RegistryException.class,
        () -> AtOnce.all(List.of(slowFine, failsFirst, failsSecond)));
    assertSame(first, thrown);
    assertEquals(1, finished.get(), "the slow task had finished before the failure was thrown");
  }

  @Test
  void oneTaskRunsOnTheCallersThread() {
    Thread caller = Thread.currentThread();
    assertTrue(AtOnce.all(List.<Callable<Boolean>>of(() -> Thread.currentThread() == caller))
        .get(0));
  }
}
