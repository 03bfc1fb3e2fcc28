package dev.relpack.registry;

import dev.relpack.error.InternalException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests that do not depend on each other, sent at once, each on a thread of its own: a
 * revision's blob uploads, an attachment's subject and blobs. On loopback each request costs
 * about 5 ms of the registry's own time, and to a registry far away a round trip, so ten in a
 * row cost ten where at once they cost the longest chain (a HEAD, a POST and a PUT). jib sends
 * its blobs in parallel too.
 */
final class AtOnce {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private AtOnce() {}

  /**
   * The results of {@code tasks}, in their order, once every one has finished (none is left
   * running); the first one's failure, in their order, is thrown as it was.
   */
  static <T> List<T> all(List<Callable<T>> tasks) {
    if (tasks.size() == 1) {
      return List.of(call(tasks.get(0)));
    }
    ExecutorService threads = Executors.newFixedThreadPool(tasks.size(), task -> {
      Thread thread = new Thread(task, "relpack-request-" + THREADS.incrementAndGet());
      thread.setDaemon(true); // a request stuck past the build's deadline cannot keep the JVM
      return thread;
    });
    try {
      List<Future<T>> started = new ArrayList<>();
      for (Callable<T> task : tasks) {
        started.add(threads.submit(task));
      }
      List<T> results = new ArrayList<>();
      RuntimeException first = null;
      for (Future<T> result : started) {
        try {
          results.add(result.get());
        } catch (ExecutionException e) {
          first = first != null ? first : rethrown(e.getCause());
          results.add(null);
        }
      }
      if (first != null) {
        throw first;
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalException("interrupted while sending requests to a registry", e);
    } finally {
      threads.shutdownNow();
    }
  }

  private static <T> T call(Callable<T> task) {
    try {
      return task.call();
    } catch (Exception e) {
      throw rethrown(e);
    }
  }

  private static RuntimeException rethrown(Throwable cause) {
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new InternalException("a request to a registry failed: " + cause, cause);
  }
}
