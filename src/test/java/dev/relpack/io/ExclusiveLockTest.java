package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
