package dev.relpack.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock between processes, held on a file until closed. The file is left in place:
 * deleting a lock file lets a third process lock a new file while the second still holds the old.
 * One holder per JVM: a second acquire in the same JVM fails rather than waits.
 */
public final class ExclusiveLock implements Closeable {
  private final FileChannel channel;

  private ExclusiveLock(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * Waits until this process holds the lock on {@code file}, creating it when missing; runs
   * {@code onWait} first when another process holds it.
   */
  public static ExclusiveLock acquire(Path file, Runnable onWait) throws IOException {
    Files.createDirectories(file.getParent());
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      if (channel.tryLock() == null) {
        onWait.run();
        channel.lock();
      }
      return new ExclusiveLock(channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Releases the lock (closing the channel does). */
  @Override
  public void close() throws IOException {
    channel.close();
  }
}
