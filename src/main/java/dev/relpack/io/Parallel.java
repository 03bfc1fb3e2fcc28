package dev.relpack.io;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tasks that do not depend on each other, on threads of their own: a revision's requests (one
 * thread each), a cold build's layers (one thread a core). Every task has finished when this
 * returns or throws, so none outlives the step that started it; the threads are daemons.
 */
public final class Parallel {
  private Parallel() {}

  /** The first failure, in the tasks' order, of tasks that all finished. */
  public static final class TaskFailed extends Exception {
    private static final long serialVersionUID = 1L;

    TaskFailed(Throwable cause) {
      super(cause);
    }
  }

  /**
   * The results of {@code tasks}, in their order, once every one has finished.
   *
   * @param threads how many run at once
   * @param name the threads' name, numbered
   * @throws TaskFailed carrying the first failure in the tasks' order
   */
  public static <T> List<T> all(List<Callable<T>> tasks, int threads, String name)
      throws TaskFailed, InterruptedException {
    AtomicInteger made = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), task -> {
      Thread thread = new Thread(task, name + "-" + made.incrementAndGet());
      thread.setDaemon(true); // a task stuck past the build's deadline cannot keep the JVM
      return thread;
    });
    try {
      List<Future<T>> started = new ArrayList<>();
      for (Callable<T> task : tasks) {
        started.add(pool.submit(task));
      }
      List<T> results = new ArrayList<>();
      Throwable first = null;
      for (Future<T> result : started) {
        try {
          results.add(result.get());
        } catch (ExecutionException e) {
          first = first != null ? first : e.getCause();
          results.add(null);
        }
      }
      if (first != null) {
        throw new TaskFailed(first);
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
