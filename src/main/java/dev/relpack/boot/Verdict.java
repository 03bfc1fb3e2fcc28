package dev.relpack.boot;

import java.util.List;

/**
 * Whether a base can boot a release: the problems that stop it, and warnings about pieces the
 * release can boot without (a library only epmd needs when distribution is off, the NIF of an
 * application the boot script does not start).
 *
 * @param base the base, as the image's {@code base.name} label names it
 * @param host whether the base is made of this machine's files (what is missing is then to be
 *     installed here; for any other base, this machine is another way to get it)
 */
public record Verdict(String base, boolean host, List<Problem> problems, List<Problem> warnings) {
  public Verdict {
    problems = List.copyOf(problems);
    warnings = List.copyOf(warnings);
  }

  public boolean fits() {
    return problems.isEmpty();
  }
}
