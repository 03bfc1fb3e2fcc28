package dev.relpack.release;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a mix project says about its release: which applications are its own (the project's app,
 * or an umbrella's children), which are locked third-party dependencies ({@code mix.lock}), and
 * the licenses its Hex package metadata names. mix.exs is Elixir code, not data; this reads the
 * common {@code app: :name}, {@code apps_path:} and {@code licenses: ["..."]} forms, and
 * {@code --app} and {@code -l} cover anything else.
 *
 * @param licenses the string literals of the first {@code licenses: [...]} list, in order
 */
public record MixProject(Path dir, Set<String> ownApps, Set<String> lockedDeps,
    List<String> licenses) {
  private static final Pattern APP = Pattern.compile("\\bapp:\\s*:([a-z_][a-zA-Z0-9_]*)");
  private static final Pattern APPS_PATH = Pattern.compile("\\bapps_path:\\s*\"([^\"]+)\"");
  private static final Pattern LICENSES = Pattern.compile("\\blicenses:\\s*\\[([^\\]]*)\\]");
  private static final Pattern STRING = Pattern.compile("\"([^\"\\\\]+)\"");
  private static final Pattern LOCK_ENTRY = Pattern.compile("^\\s*\"([a-z_][a-zA-Z0-9_]*)\":\\s*\\{", Pattern.MULTILINE);

  public MixProject {
    ownApps = Set.copyOf(ownApps);
    lockedDeps = Set.copyOf(lockedDeps);
    licenses = List.copyOf(licenses);
  }

  public static MixProject read(Path dir) {
    Path mixExs = dir.resolve("mix.exs");
    if (!Files.isRegularFile(mixExs)) {
      throw new BadInputException("{project-dir} " + dir + " has no mix.exs; give the root of a"
          + " mix project");
    }
    try {
      String text = Files.readString(mixExs);
      Set<String> own = new TreeSet<>();
      Matcher appsPath = APPS_PATH.matcher(text);
      if (appsPath.find()) {
        own.addAll(umbrellaChildren(dir.resolve(appsPath.group(1))));
      } else {
        Matcher app = APP.matcher(text);
        if (app.find()) {
          own.add(app.group(1));
        }
      }
      Set<String> locked = new TreeSet<>();
      Path lock = dir.resolve("mix.lock");
      if (Files.isRegularFile(lock)) {
        Matcher entry = LOCK_ENTRY.matcher(Files.readString(lock));
        while (entry.find()) {
          locked.add(entry.group(1));
        }
      }
      return new MixProject(dir, own, locked, licenses(text));
    } catch (IOException e) {
      throw new BadInputException("cannot read the mix project in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static List<String> licenses(String mixExs) {
    Matcher list = LICENSES.matcher(mixExs);
    List<String> licenses = new ArrayList<>();
    if (list.find()) {
      Matcher name = STRING.matcher(list.group(1));
      while (name.find()) {
        licenses.add(name.group(1).trim());
      }
    }
    return licenses;
  }

  /**
   * The licenses as one SPDX expression for the {@code org.opencontainers.image.licenses} label:
   * several are joined with {@code AND}, the reading that claims least (mix's docs say only "the
   * licenses the project is licensed under"); an entry that is an expression itself is
   * parenthesised. Empty when mix.exs names none.
   */
  public Optional<String> licenseExpression() {
    if (licenses.isEmpty()) {
      return Optional.empty();
    }
    if (licenses.size() == 1) {
      return Optional.of(licenses.get(0));
    }
    return Optional.of(String.join(" AND ", licenses.stream()
        .map(l -> l.contains(" ") ? "(" + l + ")" : l).toList()));
  }

  private static List<String> umbrellaChildren(Path appsDir) throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(appsDir)) {
      return names;
    }
    try (Stream<Path> children = Files.list(appsDir)) {
      for (Path child : children.sorted().toList()) {
        Path childMix = child.resolve("mix.exs");
        if (Files.isRegularFile(childMix)) {
          Matcher app = APP.matcher(Files.readString(childMix));
          names.add(app.find() ? app.group(1) : child.getFileName().toString());
        }
      }
    }
    return names;
  }
}
