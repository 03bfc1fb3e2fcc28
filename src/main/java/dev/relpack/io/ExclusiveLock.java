package dev.relpack.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;

/**
 * An exclusive lock between builds, held on a file until closed: between processes, and between
 * builds in one JVM (a Maven reactor with {@code -T 2}), which take turns the same way. The file
 * is left in place: deleting a lock file lets a third process lock a new file while the second
 * still holds the old.
 */
public final class ExclusiveLock implements Closeable {
  /**
   * The turns of builds in this JVM, one per lock file. They are JVM-wide because the operating
   * system's lock is: a process holds a file lock once, and closing any channel on the file
   * drops it. So a build must not even open the file while another build of this JVM holds it;
   * it waits here first. Entries stay: there are as many as lock files, a handful.
   */
  private static final ConcurrentMap<Path, Semaphore> TURNS_IN_THIS_JVM = new ConcurrentHashMap<>();

  private final FileChannel channel;
  private final Semaphore turn;

  private ExclusiveLock(FileChannel channel, Semaphore turn) {
    this.channel = channel;
    this.turn = turn;
  }

  /**
   * Waits until this build holds the lock on {@code file}, creating it when missing; runs
   * {@code onWait} once first when another build or process holds it.
   *
   * @throws InterruptedIOException when interrupted while waiting
   */
  public static ExclusiveLock acquire(Path file, Runnable onWait) throws IOException {
    Files.createDirectories(file.getParent());
    Path key = file.getParent().toRealPath().resolve(file.getFileName());
    Semaphore turn = TURNS_IN_THIS_JVM.computeIfAbsent(key, k -> new Semaphore(1, true));
    boolean waited = false;
    if (!turn.tryAcquire()) {
      onWait.run();
      waited = true;
      try {
        turn.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for " + file);
      }
    }
    try {
      FileChannel channel = FileChannel.open(key, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      try {
        if (channel.tryLock() == null) {
          // another process holds it: the operating system queues this one
          if (!waited) {
            onWait.run();
          }
          channel.lock();
        }
        return new ExclusiveLock(channel, turn);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      turn.release();
      throw e;
    }
  }

  /** Releases the lock (closing the channel does), then the next build of this JVM may go. */
  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      turn.release();
    }
  }
}
