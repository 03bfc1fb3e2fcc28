package dev.relpack.registry;

import dev.relpack.error.InternalException;
import dev.relpack.io.Parallel;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Requests that do not depend on each other, sent at once, each on a thread of its own: a
 * revision's blob uploads, an attachment's subject and blobs. On loopback each request costs
 * about 5 ms of the registry's own time, and to a registry far away a round trip, so ten in a
 * row cost ten where at once they cost the longest chain (a HEAD, a POST and a PUT). jib sends
 * its blobs in parallel too.
 */
final class AtOnce {
  private AtOnce() {}

  /**
   * The results of {@code tasks}, in their order, once every one has finished (none is left
   * running); the first one's failure, in their order, is thrown as it was.
   */
  static <T> List<T> all(List<Callable<T>> tasks) {
    if (tasks.size() == 1) {
      return List.of(call(tasks.get(0)));
    }
    try {
      return Parallel.all(tasks, tasks.size(), "relpack-request");
    } catch (Parallel.TaskFailed e) {
      throw rethrown(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalException("interrupted while sending requests to a registry", e);
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
