package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The piece a revision's requests (AtOnceTest) and a cold build's layers share. */
class ParallelTest {
  @Test
  void noMoreTasksRunAtOnceThanThreadsAndTheResultsComeInOrder() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int n = i;
      tasks.add(() -> {
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        for (long spin = 0; spin < 2_000_000; spin++) {
          Thread.onSpinWait(); // long enough for the others to start, if they could
        }
        running.decrementAndGet();
        return n * n;
      });
    }
    assertEquals(List.of(0, 1, 4, 9, 16, 25, 36, 49), Parallel.all(tasks, 2, "test"));
    assertEquals(true, most.get() <= 2, "at most 2 at once, saw " + most.get());
  }

  @Test
  void theFirstFailureInOrderIsCarriedAsItWas() {
    IOException first = new IOException("first");
    List<Callable<String>> tasks = List.of(() -> "fine", () -> {
      throw first;
    }, () -> {
      throw new IllegalStateException("second");
    });
    Parallel.TaskFailed failed =
        assertThrows(Parallel.TaskFailed.class, () -> Parallel.all(tasks, 3, "test"));
    assertSame(first, failed.getCause());
  }
}
