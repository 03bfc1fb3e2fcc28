package dev.relpack.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * An exclusive lock between builds, held on a file until closed: between processes, and between
 * builds in one JVM (a Maven reactor with {@code -T 2}), which take turns the same way. The file
 * is left in place: deleting a lock file lets a third process lock a new file while the second
 * still holds the old.
 */
public final class ExclusiveLock implements Closeable {
  /**
   * How long a build waits before trying again while another build in this JVM holds the lock:
   * the JVM answers a second lock on a file it holds with an exception, never by waiting.
   */
  private static final Duration FIRST_RETRY = Duration.ofMillis(5);
  private static final Duration LONGEST_RETRY = Duration.ofMillis(100);

  private final FileChannel channel;

  private ExclusiveLock(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * Waits until this build holds the lock on {@code file}, creating it when missing; runs
   * {@code onWait} once first when another build or process holds it.
   *
   * @throws InterruptedIOException when interrupted while waiting
   */
  public static ExclusiveLock acquire(Path file, Runnable onWait) throws IOException {
    Files.createDirectories(file.getParent());
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      boolean waited = false;
      Duration retry = FIRST_RETRY;
      while (true) {
        try {
          if (channel.tryLock() != null) {
            return new ExclusiveLock(channel);
          }
          // another process holds it: the operating system queues this one
          if (!waited) {
            onWait.run();
            waited = true;
          }
          channel.lock();
          return new ExclusiveLock(channel);
        } catch (OverlappingFileLockException heldInThisJvm) {
          if (!waited) {
            onWait.run();
            waited = true;
          }
          pause(retry);
          Duration doubled = retry.multipliedBy(2);
          retry = doubled.compareTo(LONGEST_RETRY) < 0 ? doubled : LONGEST_RETRY;
        }
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static void pause(Duration duration) throws InterruptedIOException {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a lock");
    }
  }

  /** Releases the lock (closing the channel does). */
  @Override
  public void close() throws IOException {
    channel.close();
  }
}
