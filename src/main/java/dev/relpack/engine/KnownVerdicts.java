package dev.relpack.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.boot.Problem;
import dev.relpack.boot.Verdict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
  // Written and read as a JSON tree, {"warnings": [{kind, missing, neededBy, packageName,
  // advice}]}: binding records would cost Jackson's introspection of them, ~10 ms of a build.
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  /** @param dir this user's private directory for them */
  KnownVerdicts(Path dir) {
    this.dir = dir;
  }

  /** The verdict kept under {@code key} for the base named {@code base}, if this user kept one. */
  Optional<Verdict> find(String key, String base) {
    try {
      Optional<byte[]> bytes = KnownImages.read(dir, key);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      List<Problem> warnings = new ArrayList<>();
      for (JsonNode warning : JSON.readTree(bytes.get()).required("warnings")) {
        List<String> neededBy = new ArrayList<>();
        warning.required("neededBy").forEach(who -> neededBy.add(who.textValue()));
        warnings.add(new Problem(Problem.Kind.valueOf(warning.required("kind").textValue()),
            warning.required("missing").textValue(), neededBy,
            Optional.ofNullable(warning.path("packageName").textValue()),
            warning.required("advice").textValue()));
      }
      KnownImages.markUsed(dir, key);
      return Optional.of(new Verdict(base, false, List.of(), warnings));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable or unknown: the release is checked, and kept anew
    }
  }

  /** Keeps {@code verdict} under {@code key} when it fits; failing to costs a later check. */
  void remember(String key, Verdict verdict) {
    if (!verdict.fits() || verdict.host()) {
      return;
    }
    ObjectNode entry = JSON.createObjectNode();
    ArrayNode warnings = entry.putArray("warnings");
    for (Problem problem : verdict.warnings()) {
      ObjectNode warning = warnings.addObject().put("kind", problem.kind().name())
          .put("missing", problem.missing());
      problem.neededBy().forEach(warning.putArray("neededBy")::add);
      warning.put("packageName", problem.packageName().orElse(null))
          .put("advice", problem.advice());
    }
    try {
      KnownImages.write(dir, key, JSON.writeValueAsBytes(entry));
    } catch (IOException | RuntimeException e) {
      // not kept: the next build of these inputs checks the release again
    }
  }
}
