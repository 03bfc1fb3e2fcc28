package dev.relpack.cli;

import dev.relpack.error.ExitCode;
import dev.relpack.io.Printable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command line picocli could not parse, said as every other error is: one line, {@code relpack:
 * error: ...}, exit 2. An unknown option is named alone (picocli also lists the value that followed
 * it, as an argument nothing takes) with the option it most likely meant.
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler {
  private final PrintStream err;

  UsageErrors(PrintStream err) {
    this.err = err;
  }

  @Override
  public int handleParseException(CommandLine.ParameterException e, String[] args) {
    err.println("relpack: error: " + Printable.line(message(e, args)) + " (see: "
        + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
    return ExitCode.BAD_INPUT.status();
  }

  static String message(CommandLine.ParameterException e, String[] args) {
    CommandSpec spec = e.getCommandLine().getCommandSpec();
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched
        && !unmatched.getUnmatched().isEmpty()) {
      return unmatched(spec, unmatched.getUnmatched());
    }
    if (e instanceof CommandLine.MissingParameterException) {
      // picocli reports a required option missing before options it does not know: "--form
      // scratch" is then "--from is missing", where the typo is the news
      List<String> unknown = unknownOptions(spec, args);
      if (!unknown.isEmpty()) {
        return unmatched(spec, unknown);
      }
    }
    String text = String.valueOf(e.getMessage());
    return text.isEmpty() ? text : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
  }

  /**
   * The options among the unmatched arguments (what follows an unknown option is most likely its
   * value), each with the nearest known one; else the first argument, as a command if the
   * command has subcommands.
   */
  private static String unmatched(CommandSpec spec, List<String> arguments) {
    if (!spec.subcommands().isEmpty() && !arguments.get(0).startsWith("-")) {
      String first = arguments.get(0);
      return "unknown command '" + first + "'"
          + suggestion(first, new ArrayList<>(spec.subcommands().keySet()));
    }
    List<String> options = arguments.stream()
        .filter(a -> a.startsWith("-") && a.length() > 1)
        .map(a -> a.contains("=") ? a.substring(0, a.indexOf('=')) : a)
        .distinct().toList();
    if (options.isEmpty()) {
      return "unexpected argument '" + arguments.get(0) + "'";
    }
    List<String> names = new ArrayList<>();
    for (OptionSpec option : spec.options()) {
      if (!option.hidden()) {
        names.addAll(List.of(option.names()));
      }
    }
    if (options.size() == 1) {
      return "unknown option " + options.get(0) + suggestion(options.get(0), names);
    }
    List<String> described = options.stream().map(o -> o + NearestName.to(o, names)
        .map(n -> " (did you mean " + n + "?)").orElse("")).toList();
    return "unknown options " + String.join(", ", described);
  }

  /**
   * The arguments of {@code spec}'s command that look like options it does not have; the value
   * after an option that takes one is skipped, whatever it looks like.
   */
  static List<String> unknownOptions(CommandSpec spec, String[] args) {
    List<String> unknown = new ArrayList<>();
    boolean inCommand = spec.parent() == null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!inCommand) {
        inCommand = arg.equals(spec.name());
        continue;
      }
      if (arg.equals("--")) {
        break;
      }
      if (!arg.startsWith("-") || arg.length() == 1) {
        continue;
      }
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      OptionSpec option = spec.findOption(name);
      if (option == null && !isCluster(spec, name)) {
        unknown.add(name);
      } else if (option != null && option.arity().min() > 0 && !arg.contains("=")) {
        i++;
      }
    }
    return unknown;
  }

  /** {@code -qv}: short options written together. */
  private static boolean isCluster(CommandSpec spec, String arg) {
    return arg.matches("-[A-Za-z]{2,}") && arg.substring(1).chars()
        .allMatch(c -> spec.findOption("-" + (char) c) != null);
  }

  private static String suggestion(String typed, List<String> known) {
    Optional<String> nearest = NearestName.to(typed, known);
    return nearest.map(n -> "; did you mean " + n + "?").orElse("");
  }
}
