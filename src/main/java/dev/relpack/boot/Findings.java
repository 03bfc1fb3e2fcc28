package dev.relpack.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What the check found missing, grouped by the missing item (one problem per library, naming
 * every file that needs it), with the hint that fits the base: a package of its distribution, to
 * install in the base image or, for the host base, on this machine.
 */
final class Findings {
  /** A package to install, if known, and the advice that names it. */
  record Hint(Optional<String> packageName, String advice) {}

  private record Key(Problem.Kind kind, String missing) {}

  private final CheckedBase base;
  private final Map<Key, List<String>> neededBy = new LinkedHashMap<>();
  private final Map<Key, Hint> hints = new LinkedHashMap<>();

  Findings(CheckedBase base) {
    this.base = base;
  }

  void add(Problem.Kind kind, String missing, List<String> who, Hint hint) {
    Key key = new Key(kind, missing);
    hints.putIfAbsent(key, hint);
    List<String> all = neededBy.computeIfAbsent(key, k -> new ArrayList<>());
    who.stream().filter(w -> !all.contains(w)).forEach(all::add);
  }

  void add(Problem.Kind kind, String missing, List<String> who, Optional<String> packageName,
      String advice) {
    add(kind, missing, who, new Hint(packageName, advice));
  }

  Hint libraryHint(String library) {
    Distribution.Family family = base.distribution().family();
    return hint(PackageHints.library(library, family), PackageHints.both(library, false));
  }

  Hint programHint(String program) {
    Distribution.Family family = base.distribution().family();
    return hint(PackageHints.program(program, family), PackageHints.both(program, true));
  }

  private Hint hint(Optional<String> known, Optional<String> both) {
    String where = base.host() ? "on this machine" : "in the base";
    Distribution distribution = base.distribution();
    if (known.isPresent()) {
      return new Hint(known, "install the " + distribution.label() + " package " + known.get()
          + " " + where + " (" + distribution.family().install() + " " + known.get() + ")");
    }
    return new Hint(Optional.empty(), "install the package that provides it " + where
        + both.filter(b -> distribution.family() == Distribution.Family.UNKNOWN)
            .map(b -> " (" + b + ")").orElse(""));
  }

  /** The verdict, with the problems {@code onlyWarning} accepts turned into warnings. */
  Verdict verdict(Predicate<Problem> onlyWarning) {
    List<Problem> problems = new ArrayList<>();
    List<Problem> warnings = new ArrayList<>();
    neededBy.forEach((key, who) -> {
      Hint hint = hints.get(key);
      Problem problem = new Problem(key.kind(), key.missing(), who, hint.packageName(), hint.advice());
      (onlyWarning.test(problem) ? warnings : problems).add(problem);
    });
    return new Verdict(base.name(), base.host(), problems, warnings);
  }
}
