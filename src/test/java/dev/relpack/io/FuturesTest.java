package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

class FuturesTest {
  @Test
  void theResultIsReturned() throws IOException {
    assertEquals("read", Futures.result(CompletableFuture.completedFuture("read"), "reading"));
  }

  @Test
  void whatTheTaskThrewIsThrownAsItWasRaised() {
    IOException io = new IOException("disk");
    IllegalStateException runtime = new IllegalStateException("bug");
    OutOfMemoryError memory = new OutOfMemoryError("full");
    assertSame(io, assertThrows(IOException.class,
        () -> Futures.result(CompletableFuture.failedFuture(io), "reading")));
    assertSame(runtime, assertThrows(IllegalStateException.class,
        () -> Futures.result(CompletableFuture.failedFuture(runtime), "reading")));
    assertSame(memory, assertThrows(OutOfMemoryError.class,
        () -> Futures.result(CompletableFuture.failedFuture(memory), "reading")));
  }

  @Test
  void anInterruptedWaitSaysWhatWasAwaitedAndKeepsTheInterrupt() {
    FutureTask<String> never = new FutureTask<>(() -> "never run");
    Thread.currentThread().interrupt();
    try {
      InterruptedIOException e = assertThrows(InterruptedIOException.class,
          () -> Futures.result(never, "reading the base's layers"));
      assertEquals("interrupted while reading the base's layers", e.getMessage());
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }
}
