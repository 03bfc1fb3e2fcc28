package dev.relpack.cli;

import java.util.Collection;
import java.util.Optional;

/**
 * The known name a mistyped one was most likely meant to be: the closest by edit distance
 * (insertions, deletions, substitutions and swaps of two neighbours each count one), if it is
 * close enough that the suggestion helps rather than puzzles. picocli's own suggestions list every
 * option sharing the first two letters ({@code --re}: four of them), which is no answer.
 */
final class NearestName {
  private NearestName() {}

  static Optional<String> to(String typed, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String name : known) {
      int distance = distance(typed, name);
      if (distance < bestDistance) {
        best = name;
        bestDistance = distance;
      }
    }
    // a third of the name (leading dashes aside) may be wrong, and at least one character
    int allowed = Math.max(1, typed.replaceFirst("^-+", "").length() / 3);
    return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
  }

  /** Optimal string alignment distance. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
