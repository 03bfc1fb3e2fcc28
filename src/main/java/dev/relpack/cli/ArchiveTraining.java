package dev.relpack.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The builds whose classes go into the package-time class-data archive ({@link PackagedArchive}):
 * run in one JVM that records the classes it loads, they take the paths a user's builds take
 * (the host base pushed, a registry base pulled, a warm build, an OCI layout, {@code inspect},
 * and a release directory read again, changed, and built with {@code --cache-from}),
 * with the release in testdata, a registry of its own ({@link TrainingRegistry}), and a HOME,
 * cache and state directory inside the work directory: nothing of the user's is read or written.
 */
final class ArchiveTraining {
  /** A module of the training release, rewritten as a one-line change would rewrite it. */
  private static final String CHANGED = "lib/demo-0.1.0/ebin/Elixir.Demo.Version.beam";

  private ArchiveTraining() {}

  /** {@code ArchiveTraining WORK RELEASE}: exit 0 when every training command succeeded. */
  public static void main(String[] args) throws Exception {
    NativeSha256.install(Map.of());
    // what Main.main does before a build, which the commands below (run through Main.run) skip;
    // the installer's provider has the name of the one just installed, so the JVM ignores it
    ClassesAhead.initializeInBackground();
    NativeSha256.installInBackground(Map.of());
    Launcher.home();
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
      runAll(commands, work, errors);
      trainOnDirectory(work, release, base, app, errors);
    }
    System.exit(0);
  }

  /**
   * The builds a project's pipeline makes from {@code mix release}'s directory: the same release
   * again (its units compared with the stored ones, not hashed), one module changed (the image
   * revised in place, its SBOM attached again), and a job with no cache that takes the unchanged
   * layers from the previous image ({@code --cache-from}), each quiet and writing its metadata
   * as a CI job would. Untrained, these builds loaded 75 to 96 classes the archive lacked,
   * mostly lambdas spun at run time; the job with no cache, 43 (12 classes, 31 lambdas: sharing
   * the state of the builds before it, it had tagged their image, reading no layer).
   */
  private static void trainOnDirectory(Path work, String tarball, String base, String app,
      ByteArrayOutputStream errors) throws IOException {
    Path pipeline = work.resolve("pipeline"); // a HOME, cache and state of its own: a new project
    Path dir = pipeline.resolve("release");
    unpack(Path.of(tarball), dir);
    List<String> build = List.of("build", "--release", dir.toString(), "--from", base, "-q",
        "--metadata", pipeline.resolve("metadata.json").toString(), "--to");
    String image = app.replace("/app:", "/pipeline:");
    runAll(List.of(concat(build, image), concat(build, image)), pipeline, errors);
    // relpack reads no module's bytes: one byte more is a change, as a new build would make
    Files.write(dir.resolve(CHANGED), new byte[] {0}, StandardOpenOption.APPEND);
    runAll(List.of(concat(build, image)), pipeline, errors);
    // a job with no cache: a HOME, cache and state of its own, or the state above would know the
    // image and tag it without reading a layer; a module changed again, so that it takes the
    // other layers from the image and compresses one, as a pipeline's next commit does
    Files.write(dir.resolve(CHANGED), new byte[] {0}, StandardOpenOption.APPEND);
    runAll(List.of(concat(build, image + "-ci", "--cache-from", image)),
        pipeline.resolve("job-without-cache"), errors);
  }

  private static void runAll(List<List<String>> commands, Path work,
      ByteArrayOutputStream errors) {
    for (List<String> command : commands) {
      if (run(command, work, errors) != 0) {
        System.err.print(errors.toString(StandardCharsets.UTF_8));
        System.exit(1);
      }
    }
  }

  private static List<String> concat(List<String> first, String... more) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(more));
    return all;
  }

  /** Unpacks the release tarball as mix release leaves its directory: files, directories, modes. */
  private static void unpack(Path tarball, Path dir) throws IOException {
    try (InputStream raw = Files.newInputStream(tarball);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null;
          entry = tar.getNextEntry()) {
        Path to = dir.resolve(entry.getName()).normalize();
        if (!to.startsWith(dir)) {
          throw new IOException("training release entry outside its directory: "
              + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(to);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(to.getParent());
          Files.createSymbolicLink(to, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(to.getParent());
          Files.copy(tar, to);
          Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(
              (entry.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
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
