package dev.relpack.registry;

import dev.relpack.error.InternalException;
import dev.relpack.error.RegistryException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The time one phase of a build that talks to registries may take. jib retries a stalled
 * registry with back-off for many minutes and offers no way to stop it; so the phase runs on
 * threads of its own while the caller waits at most the limit, then gives up with exit 4.
 * Threads still blocked on a socket are left behind: they are daemon threads (they cannot keep
 * the JVM alive), their executor is shut down (jib cannot start another step) and {@link
 * #expired()} tells a target not to put anything in place.
 */
public final class RegistryDeadline {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private final Duration limit;
  private final List<String> registries;
  private final ExecutorService executor;
  private final long startedAt = System.nanoTime();
  private volatile boolean expired;

  private RegistryDeadline(Duration limit, List<String> registries, TlsTrust trust) {
    this.limit = limit;
    this.registries = List.copyOf(registries);
    // jib connects on these threads through the JVM's default TLS context: they carry the trust
    this.executor = Executors.newCachedThreadPool(task -> {
      Thread thread = trust.newThread(task, "relpack-registry-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * A deadline for a phase that talks to {@code registries}; with none, the phase is not
   * limited (it only reads and writes local files).
   *
   * @param trust the CAs the build verifies registries with, for TLS made on the phase's threads
   */
  public static RegistryDeadline of(Duration limit, List<String> registries, TlsTrust trust) {
    return new RegistryDeadline(limit, registries, trust);
  }

  /** Threads for whatever the phase runs in parallel (jib's steps); stopped with the phase. */
  public ExecutorService executor() {
    return executor;
  }

  /** Whether the phase ran out of time: its result, if it ever comes, must not be used. */
  public boolean expired() {
    return expired;
  }

  /**
   * Runs {@code phase} here and now, at most the limit when it talks to a registry.
   *
   * @param doing what the phase does, for the message ("pinning the base reg/x:1")
   * @throws RegistryException when the time runs out, or when the phase ran out of memory (only
   *     something a registry sent can be that large in a phase that talks to one)
   */
  public <T> T run(String doing, Callable<T> phase) {
    if (registries.isEmpty()) {
      try {
        return phase.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new InternalException(doing + " failed: " + e.getMessage(), e);
      } finally {
        executor.shutdownNow();
      }
    }
    return await(doing, start(phase));
  }

  /** Starts {@code phase} on the phase's threads; {@link #await} takes its result. */
  public <T> Future<T> start(Callable<T> phase) {
    return executor.submit(phase);
  }

  /**
   * The result of a phase {@link #start}ed, waiting no longer than the limit counted from when
   * this deadline was made.
   */
  public <T> T await(String doing, Future<T> result) {
    try {
      long left = startedAt + limit.toNanos() - System.nanoTime();
      return result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      expired = true;
      result.cancel(true);
      throw new RegistryException(who() + " did not answer within " + seconds(limit)
          + " (" + doing + "); pass {timeout} SECONDS to wait longer", null);
    } catch (ExecutionException e) {
      throw unwrap(e.getCause(), doing);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      expired = true;
      throw new InternalException("interrupted while " + doing, e);
    } finally {
      executor.shutdownNow();
    }
  }

  private RuntimeException unwrap(Throwable cause, String doing) {
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    if (cause instanceof OutOfMemoryError memory && !registries.isEmpty()) {
      return outOfMemory(doing, memory);
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new InternalException(doing + " failed: " + cause.getMessage(), cause);
  }

  private RegistryException outOfMemory(String doing, OutOfMemoryError e) {
    return new RegistryException(who() + " sent more than fits in memory ("
        + doing + "); no real image is that large", e);
  }

  static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s"
        : duration.toMillis() + " ms";
  }

  private String who() {
    return registries.isEmpty() ? "the build"
        : (registries.size() == 1 ? "registry " : "registries ") + String.join(", ", registries);
  }
}
