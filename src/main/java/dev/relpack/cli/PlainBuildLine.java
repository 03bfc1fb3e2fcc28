package dev.relpack.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code build} command line read without picocli, when it is plain: every argument a
 * {@code build} option, given as {@code --name VALUE}, {@code --name=VALUE} or a flag, each value
 * one picocli reads the same way. Building picocli's model of the command cost the build JVM
 * 85-100 ms (its converters, and a proxy class per annotation type, which JDK 17's class-data
 * archive cannot hold); a warm build of the demo went from 606 to 549 ms without it.
 *
 * <p>Anything else, and picocli reads the whole line, with its help, its errors and its
 * suggestions: {@code --help}, {@code -V}, short options clustered or with attached values, an
 * unknown option, an option given twice that takes one value, a value that is empty or starts
 * with {@code -} or {@code @}, a number or a {@code --progress} picocli might read otherwise.
 * {@code PlainBuildLineTest} holds this to picocli's model of {@link BuildCommand}: the same
 * options, and for any line this reads, the same values.
 */
final class PlainBuildLine {
  /** Each option's names, the first its own, as {@link BuildCommand} declares them. */
  private static final List<List<String>> VALUED = List.of(List.of("--release"),
      List.of("--project-dir"), List.of("--mix-env"), List.of("--release-name"),
      List.of("--rebar-profile"), List.of("--app"), List.of("--from"), List.of("--to"),
      List.of("--image-name"), List.of("--tag", "-t"), List.of("--port", "-p"),
      List.of("--env", "-e"), List.of("--label", "-l"), List.of("--user"), List.of("--app-root"),
      List.of("--registry-ca"), List.of("--digest-file"), List.of("--metadata"),
      List.of("--dotenv"), List.of("--sbom"), List.of("--sbom-format"), List.of("--cache-dir"),
      List.of("--cache-from"), List.of("--timeout"), List.of("--progress"));
  private static final List<List<String>> FLAGS = List.of(List.of("--no-deps-get"),
      List.of("--no-release"), List.of("--insecure"), List.of("--no-sbom"),
      List.of("--no-cache-from"), List.of("--no-check"), List.of("--quiet", "-q"),
      List.of("--verbose", "-v"));
  /** The options that may be given more than once, each time adding a value. */
  static final Set<String> REPEATABLE = Set.of("--app", "--tag", "--port", "--env", "--label",
      "--registry-ca", "--cache-from");
  /** Decimal as both {@code Long.valueOf} and {@code Long.decode} read it. */
  private static final Pattern PLAIN_LONG = Pattern.compile("0|[1-9][0-9]{0,17}");

  private final Map<String, String> valued = ownNames(VALUED);
  private final Map<String, String> flags = ownNames(FLAGS);
  private final Map<String, List<String>> values = new HashMap<>();

  private PlainBuildLine() {}

  /** The build {@code args} ask for, or empty when picocli must read them. */
  static Optional<BuildCommand> read(String[] args, Context context) {
    if (args.length == 0 || !args[0].equals("build")) {
      return Optional.empty();
    }
    PlainBuildLine line = new PlainBuildLine();
    if (!line.take(args)) {
      return Optional.empty();
    }
    return line.command(context);
  }

  /** The names {@link #read} knows, each with its option's own name (for the test). */
  static Map<String, String> names() {
    Map<String, String> all = new HashMap<>(ownNames(VALUED));
    all.putAll(ownNames(FLAGS));
    return all;
  }

  static boolean isFlag(String ownName) {
    return FLAGS.stream().anyMatch(names -> names.get(0).equals(ownName));
  }

  private static Map<String, String> ownNames(List<List<String>> options) {
    Map<String, String> own = new HashMap<>();
    for (List<String> names : options) {
      for (String name : names) {
        own.put(name, names.get(0));
      }
    }
    return own;
  }

  /** Collects each option's raw values; false at the first argument that is not plain. */
  private boolean take(String[] args) {
    for (int i = 1; i < args.length; i++) {
      String argument = args[i];
      int equals = argument.indexOf('=');
      if (argument.startsWith("--") && equals > 0) {
        String own = valued.get(argument.substring(0, equals));
        if (own == null || !add(own, argument.substring(equals + 1))) {
          return false;
        }
      } else if (flags.containsKey(argument)) {
        if (!add(flags.get(argument), "")) {
          return false;
        }
      } else if (valued.containsKey(argument) && i + 1 < args.length) {
        if (!add(valued.get(argument), args[++i])) {
          return false;
        }
      } else {
        return false;
      }
    }
    return true;
  }

  private boolean add(String own, String value) {
    boolean flag = value.isEmpty() && flags.containsValue(own);
    if (!flag && (value.isEmpty() || value.startsWith("-") || value.startsWith("@"))) {
      return false;
    }
    List<String> seen = values.computeIfAbsent(own, name -> new ArrayList<>());
    if (!seen.isEmpty() && !REPEATABLE.contains(own)) {
      return false; // picocli says it may be given once
    }
    seen.add(value);
    return true;
  }

  /** The command with the values picocli would have given it, or empty if one is not plain. */
  private Optional<BuildCommand> command(Context context) {
    BuildCommand command = new BuildCommand(context);
    try {
      command.release = path("--release");
      command.projectDir = path("--project-dir");
      command.mixEnv = text("--mix-env");
      command.noDepsGet = flag("--no-deps-get");
      command.releaseName = text("--release-name");
      command.rebarProfile = text("--rebar-profile");
      command.noRelease = flag("--no-release");
      command.apps.addAll(texts("--app"));
      command.from = text("--from");
      command.to = text("--to");
      command.imageName = text("--image-name");
      command.tags.addAll(texts("--tag"));
      command.ports.addAll(texts("--port"));
      command.env.addAll(texts("--env"));
      command.labels.addAll(texts("--label"));
      command.user = text("--user");
      command.appRoot = text("--app-root");
      command.insecure = flag("--insecure");
      texts("--registry-ca").forEach(ca -> command.registryCas.add(Path.of(ca)));
      command.digestFile = path("--digest-file");
      command.metadata = path("--metadata");
      command.dotenv = path("--dotenv");
      command.sbom = path("--sbom");
      command.sbomFormat = text("--sbom-format");
      command.noSbom = flag("--no-sbom");
      command.cacheDir = path("--cache-dir");
      command.cacheFrom.addAll(texts("--cache-from"));
      command.noCacheFrom = flag("--no-cache-from");
      command.timeoutSeconds = number("--timeout");
      command.noCheck = flag("--no-check");
      command.progress = progress(text("--progress"));
      command.quiet = flag("--quiet");
      command.verbose = flag("--verbose");
    } catch (InvalidPathException | NotPlain e) {
      return Optional.empty();
    }
    return Optional.of(command);
  }

  private List<String> texts(String own) {
    return values.getOrDefault(own, List.of());
  }

  private String text(String own) {
    List<String> given = texts(own);
    return given.isEmpty() ? null : given.get(0);
  }

  private boolean flag(String own) {
    return values.containsKey(own);
  }

  private Path path(String own) {
    String given = text(own);
    return given == null ? null : Path.of(given);
  }

  private Long number(String own) {
    String given = text(own);
    if (given != null && !PLAIN_LONG.matcher(given).matches()) {
      throw new NotPlain();
    }
    return given == null ? null : Long.valueOf(given);
  }

  /** picocli's default for it, {@code auto}, when not given. */
  private static BuildCommand.Progress progress(String given) {
    if (given == null) {
      return BuildCommand.Progress.auto;
    }
    for (BuildCommand.Progress progress : BuildCommand.Progress.values()) {
      if (progress.name().equals(given)) {
        return progress;
      }
    }
    throw new NotPlain();
  }

  /** A value picocli may read otherwise (or refuse): it reads the line instead. */
  private static final class NotPlain extends RuntimeException {
    NotPlain() {
      super(null, null, false, false);
    }
  }
}
