package dev.relpack.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The builds whose classes go into the package-time class-data archive ({@link PackagedArchive}):
 * run in one JVM that records the classes it loads, they take the paths a user's builds take
 * (the host base pushed, a registry base pulled, a warm build, an OCI layout, {@code inspect}),
 * with the release in testdata, a registry of its own ({@link TrainingRegistry}), and a HOME,
 * cache and state directory inside the work directory: nothing of the user's is read or written.
 */
final class ArchiveTraining {
  private ArchiveTraining() {}

  /** {@code ArchiveTraining WORK RELEASE}: exit 0 when every training command succeeded. */
  public static void main(String[] args) throws Exception {
    NativeSha256.install(Map.of());
    NativeSha256.nss(); // NSS's classes belong in the archive: a user's cold build loads them
    Path work = Path.of(args[0]).toAbsolutePath();
    String release = Path.of(args[1]).toAbsolutePath().toString();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    try (TrainingRegistry registry = TrainingRegistry.start()) {
      String base = registry.address() + "/training/base:1";
      String app = registry.address() + "/training/app:1";
      List<List<String>> commands = List.of(
          List.of("build", "--release", release, "--from", "host", "--to", base),
          List.of("build", "--release", release, "--from", base, "--to", app),
          List.of("build", "--release", release, "--from", base, "--to", app),
          List.of("build", "--release", release, "--from", base, "--to",
              "oci:" + work.resolve("layout")),
          List.of("inspect", "--release", release, "--json"));
      for (List<String> command : commands) {
        if (run(command, work, errors) != 0) {
          System.err.print(errors.toString(StandardCharsets.UTF_8));
          System.exit(1);
        }
      }
    }
    System.exit(0);
  }

  private static int run(List<String> command, Path work, ByteArrayOutputStream errors) {
    Path home = work.resolve("home");
    Map<String, String> env = Map.of("HOME", home.toString(),
        "XDG_CACHE_HOME", work.resolve("cache").toString(),
        "XDG_STATE_HOME", work.resolve("state").toString(), "PATH", "/usr/bin:/bin");
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8);
    return Main.run(command.toArray(String[]::new),
        new Context(env, home, nowhere, err, false, Path.of("/")));
  }
}
