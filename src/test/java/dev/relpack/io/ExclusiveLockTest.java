package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExclusiveLockTest {
  @TempDir Path dir;

  @Test
  void anotherProcessCannotTakeTheLockUntilItIsReleased() throws Exception {
    Path file = dir.resolve("locks/layout.lock");
    try (ExclusiveLock lock = ExclusiveLock.acquire(file, () -> fail("the lock was free"))) {
      assertEquals("free: false", inAnotherProcess(file));
    }
    assertEquals("free: true", inAnotherProcess(file));
  }

  @Test
  void aSecondBuildInThisJvmWaitsForTheFirstThenGetsTheLock() throws Exception {
    Path file = dir.resolve("locks/layout.lock");
    CountDownLatch secondWaits = new CountDownLatch(1);
    AtomicBoolean firstHolds = new AtomicBoolean(true);
    AtomicInteger waits = new AtomicInteger();
    FutureTask<Boolean> second;
    try (ExclusiveLock first = ExclusiveLock.acquire(file, () -> fail("the lock was free"))) {
      second = new FutureTask<>(() -> {
        try (ExclusiveLock lock = ExclusiveLock.acquire(file, () -> {
          waits.incrementAndGet();
          secondWaits.countDown();
        })) {
          // whether the first build had let go when the second got it
          return !firstHolds.get();
        }
      });
      new Thread(second, "second build").start();
      assertTrue(secondWaits.await(30, TimeUnit.SECONDS), "the second build did not wait");
      assertFalse(second.isDone());
      firstHolds.set(false);
    }
    assertTrue(second.get(30, TimeUnit.SECONDS), "the second build got the lock while held");
    assertEquals(1, waits.get(), "onWait ran once, however often the second build tried");
    assertEquals("free: true", inAnotherProcess(file));
  }

  @Test
  void aBuildWaitingInThisJvmStopsWhenInterrupted() throws Exception {
    Path file = dir.resolve("locks/layout.lock");
    CountDownLatch waiting = new CountDownLatch(1);
    try (ExclusiveLock first = ExclusiveLock.acquire(file, () -> fail("the lock was free"))) {
      FutureTask<Object> second = new FutureTask<>(
          () -> ExclusiveLock.acquire(file, waiting::countDown));
      Thread thread = new Thread(second, "second build");
      thread.start();
      assertTrue(waiting.await(30, TimeUnit.SECONDS));
      thread.interrupt();
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> second.get(30, TimeUnit.SECONDS));
      assertInstanceOf(InterruptedIOException.class, e.getCause());
      assertEquals("free: false", inAnotherProcess(file),
          "the build that gave up waiting took nothing from the one holding the lock");
    }
    assertEquals("free: true", inAnotherProcess(file));
  }

  /** Whether another process finds the lock on {@code file} free. */
  private static String inAnotherProcess(Path file) throws IOException, InterruptedException {
    Process probe = new ProcessBuilder(List.of(java(), "-cp", System.getProperty("java.class.path"),
        Probe.class.getName(), file.toString())).redirectErrorStream(true).start();
    if (!probe.waitFor(60, TimeUnit.SECONDS)) {
      probe.destroyForcibly();
      throw new AssertionError("the probe did not finish");
    }
    return new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** Says whether the lock is free, without waiting for it. */
  public static final class Probe {
    public static void main(String[] args) throws IOException {
      try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
        FileLock lock = channel.tryLock();
        System.out.println("free: " + (lock != null));
      }
    }
  }
}
