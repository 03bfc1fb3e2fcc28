package dev.relpack.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.boot.Problem;
import dev.relpack.boot.Verdict;
import dev.relpack.engine.Engine;
import dev.relpack.engine.BuildRequest;
import dev.relpack.error.ExitCode;
import dev.relpack.image.ImageOptions;
import dev.relpack.io.Printable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code relpack check}: whether a base boots a release, without building anything. */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Check that a base has what the release needs to boot (loader, libraries,"
        + " C library, shell and commands, Erlang for releases without ERTS); push and write"
        + " nothing but the cache."
        + " Exit 0 when it does, 3 when it does not.")
final class CheckCommand implements Callable<Integer> {
  /** The way out that does not depend on the base: the machine the release was built on. */
  static final String HOST_HINT = "or build with --from host, which takes what the release needs"
      + " from this machine";

  private final Context context;

  @Mixin
  ExistingRelease releaseOptions = new ExistingRelease();

  @Option(names = "--from", paramLabel = "BASE", required = true,
      description = "Base: a registry reference, tar:PATH, oci:DIR[:REF], scratch, or host.")
  String from;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
      description = "Environment variable the image would set (repeatable);"
          + " RELEASE_DISTRIBUTION=none makes epmd's libraries optional.")
  List<String> env = new ArrayList<>();

  @Option(names = "--app-root", paramLabel = "DIR",
      description = "Where the release would go in the image (default: "
          + ImageOptions.DEFAULT_APP_ROOT + ").")
  String appRoot;

  @Option(names = "--json", description = "Print JSON, for machines.")
  boolean json;

  @Option(names = "--insecure", description = "Allow plain HTTP and unverified TLS to registries.")
  boolean insecure;

  @Option(names = "--registry-ca", paramLabel = "FILE",
      description = "Extra CA certificate (PEM) to trust (repeatable); CI_SERVER_TLS_CA_FILE too.")
  List<Path> registryCas = new ArrayList<>();

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Cache (default: $XDG_CACHE_HOME/relpack or ~/.cache/relpack).")
  Path cacheDir;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Longest each registry phase may take (default: 300).")
  Long timeoutSeconds;

  @Option(names = {"-v", "--verbose"}, description = "Print details, and stack traces on errors.")
  boolean verbose;

  CheckCommand(Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    BuildRequest request = releaseOptions.into(BuildRequest.builder(context.env(), context.home()))
        .from(from).env(env).appRoot(appRoot)
        .insecure(insecure).registryCas(registryCas).cacheDir(cacheDir)
        .timeoutSeconds(timeoutSeconds)
        .build();
    Verdict verdict = new Engine(context.machineRoot())
        .check(request, new PlainReporter(context.err(), verbose, verbose));
    if (json) {
      context.out().println(json(verdict));
    } else {
      text(verdict);
    }
    return verdict.fits() ? ExitCode.OK.status() : ExitCode.CHECK_FAILED.status();
  }

  private void text(Verdict verdict) {
    int count = verdict.problems().size();
    context.out().println(Printable.line(verdict.base()) + ": " + (verdict.fits()
        ? "the release boots on it"
        : "the release will not run (" + count + (count == 1 ? " problem" : " problems") + ")"));
    verdict.problems().forEach(p -> context.out().println("  "
        + Printable.line(CliWording.of(p.message()))));
    if (!verdict.fits() && !verdict.host()) {
      context.out().println("  " + HOST_HINT);
    }
    verdict.warnings().forEach(w -> context.out().println("  warning: "
        + Printable.line(CliWording.of(w.message()))));
  }

  static String json(Verdict verdict) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("base", verdict.base());
    root.put("fits", verdict.fits());
    ArrayNode problems = root.putArray("problems");
    verdict.problems().forEach(p -> problems.add(json(mapper, p)));
    ArrayNode warnings = root.putArray("warnings");
    verdict.warnings().forEach(w -> warnings.add(json(mapper, w)));
    return root.toString();
  }

  private static ObjectNode json(ObjectMapper mapper, Problem problem) {
    ObjectNode node = mapper.createObjectNode();
    node.put("kind", problem.kind().label());
    node.put("missing", problem.missing());
    ArrayNode neededBy = node.putArray("neededBy");
    problem.neededBy().forEach(neededBy::add);
    node.put("package", problem.packageName().orElse(null));
    node.put("message", CliWording.of(problem.message()));
    return node;
  }
}
