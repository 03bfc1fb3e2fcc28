package dev.relpack.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.boot.Problem;
import dev.relpack.boot.Verdict;
import dev.relpack.io.PrivatePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The boot checks this user's builds passed, each under the key of its inputs
 * ({@link KnownImages#checkKey}): a build of the same release on the same base, pinned by
 * digest, with the same environment, takes the verdict, warnings and all, instead of reading
 * every file of the release again for ELF headers and resolving its libraries (about 30 ms of a
 * 0.5 s warm build of the demo). Only a verdict that fits is kept: one that does not fails the
 * build, which must then say so again in full.
 *
 * <p>Kept in this user's private state directory, never in the shared cache: a verdict planted
 * by another job would let a release that cannot boot through. An entry unused for
 * {@link KnownImages#UNUSED} is dropped.
 */
final class KnownVerdicts {
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  /** @param dir this user's private directory for them */
  KnownVerdicts(Path dir) {
    this.dir = dir;
  }

  /** What an entry keeps: the warnings of a verdict that fits. */
  record Entry(List<Warning> warnings) {}

  /** A {@link Problem} as kept; {@code packageName} is null when not known. */
  record Warning(String kind, String missing, List<String> neededBy, String packageName,
      String advice) {}

  /** The verdict kept under {@code key} for the base named {@code base}, if this user kept one. */
  Optional<Verdict> find(String key, String base) {
    if (!KEY.matcher(key).matches()) {
      return Optional.empty();
    }
    Path file = dir.resolve(key + ".json");
    try {
      Optional<byte[]> bytes = PrivatePaths.readMine(file);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      List<Problem> warnings = JSON.readValue(bytes.get(), Entry.class).warnings().stream()
          .map(w -> new Problem(Problem.Kind.valueOf(w.kind()), w.missing(), w.neededBy(),
              Optional.ofNullable(w.packageName()), w.advice()))
          .toList();
      Files.setLastModifiedTime(file, FileTime.from(Instant.now())); // in use: not dropped
      return Optional.of(new Verdict(base, false, List.of(), warnings));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable or unknown: the release is checked, and kept anew
    }
  }

  /** Keeps {@code verdict} under {@code key} when it fits; failing to costs a later check. */
  void remember(String key, Verdict verdict) {
    if (!KEY.matcher(key).matches() || !verdict.fits() || verdict.host()) {
      return;
    }
    List<Warning> warnings = verdict.warnings().stream().map(p -> new Warning(p.kind().name(),
        p.missing(), p.neededBy(), p.packageName().orElse(null), p.advice())).toList();
    try {
      PrivatePaths.writeMine(dir.resolve(key + ".json"),
          JSON.writeValueAsBytes(new Entry(warnings)));
      KnownImages.dropUnused(dir);
    } catch (IOException | RuntimeException e) {
      // not kept: the next build of these inputs checks the release again
    }
  }
}
