package dev.relpack.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A property loop over mutated real inputs, for a bounded time: each case takes a seed input,
 * applies a few random mutations and runs the reader on it. The reader may refuse the input with
 * one of its declared exceptions; anything else (a RuntimeException, an Error such as
 * OutOfMemoryError or StackOverflowError) or a call that does not return within the bound fails
 * the test, naming the case's seed and saving its input under target/fuzz-failures.
 *
 * <p>System properties: {@code relpack.fuzz.seconds} (time per reader, default 3),
 * {@code relpack.fuzz.seed} (the run's seed, default random), {@code relpack.fuzz.replay} (run
 * only the case with this seed, as printed by a failure).
 */
public final class Fuzzer {
  /** The reader under test. */
  public interface Target {
    void run(byte[] input) throws Exception;
  }

  private static final Duration PER_CALL = Duration.ofSeconds(10);

  private final String name;
  private final List<byte[]> seeds;
  private final Mutator mutator;
  private final List<Class<? extends Throwable>> declared;
  private ExecutorService executor = newExecutor();
  private int refused;
  private final Map<String, Integer> refusals = new TreeMap<>();

  /**
   * @param declared the exceptions by which the reader may refuse an input
   */
  @SafeVarargs
  public Fuzzer(String name, List<byte[]> seeds, Mutator mutator,
      Class<? extends Throwable>... declared) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("no seeds for " + name);
    }
    this.name = name;
    this.seeds = seeds;
    this.mutator = mutator;
    this.declared = List.of(declared);
  }

  /** Runs the seeds as they are, then mutated cases until the time is up (at least ten). */
  public void run(Target target) throws Exception {
    try {
      String replay = System.getProperty("relpack.fuzz.replay");
      if (replay != null) {
        runCase(target, Long.parseLong(replay));
        return;
      }
      for (byte[] seed : seeds) {
        check(target, seed, "an unmutated seed", 0);
      }
      String configured = System.getProperty("relpack.fuzz.seed");
      long runSeed = configured != null ? Long.parseLong(configured) : new SecureRandom().nextLong();
      Random run = new Random(runSeed);
      long seconds = Long.getLong("relpack.fuzz.seconds", 3);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int cases = 0;
      while (System.nanoTime() < deadline || cases < 10) {
        runCase(target, run.nextLong());
        cases++;
      }
      System.out.printf("fuzz %s: %d cases in %d s (%d refused), run seed %d%n", name, cases,
          seconds, refused, runSeed);
      if (Boolean.getBoolean("relpack.fuzz.verbose")) {
        refusals.forEach((shape, count) -> System.out.printf("%6d  %s%n", count, shape));
      }
    } finally {
      executor.shutdownNow();
    }
  }

  private void runCase(Target target, long caseSeed) throws Exception {
    Random random = new Random(caseSeed);
    byte[] input = seeds.get(random.nextInt(seeds.size()));
    int mutations = 1 + random.nextInt(6);
    for (int i = 0; i < mutations; i++) {
      input = mutator.mutate(input, random);
    }
    check(target, mutator.finish(input, random), "case " + caseSeed, caseSeed);
  }

  private void check(Target target, byte[] input, String what, long caseSeed) throws Exception {
    Future<?> call = executor.submit(() -> {
      target.run(input);
      return null;
    });
    try {
      call.get(PER_CALL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      executor.shutdownNow();
      executor = newExecutor(); // the hung thread is a daemon and is left behind
      fail(failure(what, caseSeed, input, "did not return within " + PER_CALL.toSeconds() + " s"));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (declared.stream().anyMatch(type -> type.isInstance(cause))) {
        refused++;
        // the message's shape, without names and numbers, to see which checks the cases reach
        String shape = String.valueOf(cause.getMessage())
            .replaceAll("0x[0-9a-f]+|\\d+", "N")
            .replaceAll("(entry|link|symlink|tarball) \\S+", "$1 X");
        refusals.merge(shape.substring(0, Math.min(90, shape.length())), 1, Integer::sum);
        return;
      }
      throw new AssertionError(failure(what, caseSeed, input, "threw " + cause), cause);
    }
  }

  private String failure(String what, long caseSeed, byte[] input, String problem)
      throws IOException {
    Path saved = Path.of("target", "fuzz-failures", name + "-" + caseSeed + ".bin");
    Files.createDirectories(saved.getParent());
    Files.write(saved, input);
    return name + " " + problem + " on " + what + " (input saved as " + saved
        + (caseSeed == 0 ? "" : "; replay with -Drelpack.fuzz.replay=" + caseSeed) + ")";
  }

  private static ExecutorService newExecutor() {
    return Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "fuzz-target");
      thread.setDaemon(true);
      return thread;
    });
  }
}
