package dev.relpack.cli;

import dev.relpack.engine.ToolVersion;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.ExitCode;
import dev.relpack.error.RelpackException;
import dev.relpack.io.Printable;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code java -jar relpack.jar}: the command line, errors reported once, here, as one line. */
@Command(name = "relpack", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Turns an Erlang/Elixir release into a container image and pushes it to a"
        + " registry: no Docker daemon, no root, no Dockerfile.",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
  private final Context context;

  @Spec
  CommandSpec spec;

  Main(Context context) {
    this.context = context;
  }

  public static void main(String[] args) {
    ClassesAhead.initializeInBackground();
    NativeSha256.installInBackground(System.getenv());
    Context context = new Context(System.getenv(), Launcher.home(), System.out, System.err,
        stderrIsTerminal(), Path.of("/"));
    System.exit(run(args, context));
  }

  /**
   * Whether stderr, where the progress bar is drawn, is a terminal. System.console() asks about
   * stdin and stdout instead, which is wrong for {@code build 2>log} and {@code build >out}.
   */
  private static boolean stderrIsTerminal() {
    try {
      String target = java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | UnsupportedOperationException e) {
      return System.console() != null;
    }
  }

  /** Runs one command line and returns its exit status. */
  static int run(String[] args, Context context) {
    Optional<BuildCommand> plain = PlainBuildLine.read(args, context);
    if (plain.isPresent()) {
      return call(plain.get(), context.err());
    }
    CommandLine line = new CommandLine(new Main(context))
        .addSubcommand("build", new BuildCommand(context))
        .addSubcommand("inspect", new InspectCommand(context))
        .addSubcommand("check", new CheckCommand(context));
    // -V on every command, not only on relpack itself
    line.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new Version()));
    line.setOut(new java.io.PrintWriter(context.out(), true));
    line.setErr(new java.io.PrintWriter(context.err(), true));
    line.setParameterExceptionHandler(new UsageErrors(context.err()));
    line.setExecutionExceptionHandler((e, commandLine, parsed) -> report(e, context.err(),
        verbose(parsed)));
    return line.execute(args);
  }

  /** A build picocli did not have to read, its errors reported as picocli's handler would. */
  private static int call(BuildCommand build, PrintStream err) {
    try {
      return build.call();
    } catch (RuntimeException e) {
      return report(e, err, build.verbose);
    }
  }

  /** No command: what the commands are, on stderr, and the status of a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(context.err());
    return ExitCode.BAD_INPUT.status();
  }

  private static int report(Exception e, PrintStream err, boolean verbose) {
    if (e instanceof RelpackException relpack) {
      err.println("relpack: error: " + Printable.line(CliWording.of(relpack.getMessage()))
          + (relpack instanceof CheckFailedException failed && !failed.details().isEmpty()
              ? ":" : ""));
      if (relpack instanceof CheckFailedException failed) {
        failed.details().forEach(detail -> err.println("  " + Printable.line(CliWording.of(detail))));
        if (!failed.details().isEmpty() && failed.machineCouldProvide()) {
          err.println("  " + CheckCommand.HOST_HINT);
        }
      }
      if (verbose && relpack.getCause() != null) {
        relpack.getCause().printStackTrace(err);
      }
      return relpack.exitCode().status();
    }
    err.println("relpack: internal error: " + Printable.line(String.valueOf(e))
        + (verbose ? "" : " (run with -v for details)"));
    if (verbose) {
      e.printStackTrace(err);
    }
    return ExitCode.FAILURE.status();
  }

  private static boolean verbose(CommandLine.ParseResult parsed) {
    CommandLine.ParseResult sub = parsed.subcommand();
    return sub != null && sub.hasMatchedOption("--verbose");
  }

  /** {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"relpack " + ToolVersion.full()};
    }
  }
}
