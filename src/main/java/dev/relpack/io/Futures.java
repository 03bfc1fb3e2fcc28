package dev.relpack.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** The result of work done on another thread, taken where it is needed. */
public final class Futures {
  private Futures() {}

  /**
   * What {@code task} returned, waiting for it; what it threw is thrown as it was raised, as if
   * the work had been done here (an out-of-memory error stays one).
   *
   * @param doing what the task does, for the message when the wait is interrupted
   */
  public static <T> T result(Future<T> task, String doing) throws IOException {
    try {
      return task.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IOException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while " + doing);
    }
  }
}
