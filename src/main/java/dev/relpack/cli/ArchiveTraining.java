package dev.relpack.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The builds whose classes go into the package-time class-data archive ({@link PackagedArchive}).
 * Two JVMs, with the release in testdata, a registry of its own ({@link TrainingRegistry}), and a
 * HOME, cache and state directory inside the work directory: nothing of the user's is read or
 * written. The first, not recorded, serves the registry and makes what a user's cache and
 * registry hold after their first builds: the host base pushed, the release built on it into a
 * new repository (a tarball, and a release directory as a pipeline's first job). The second,
 * recorded (-XX:DumpLoadedClassList), makes the builds users wait for most: the same release
 * again (a tarball, a directory), one module changed, and a job with no cache that takes the
 * other layers from the previous image ({@code --cache-from}).
 *
 * <p>Why not the first builds too: every class in the archive costs every start, since the JDK
 * relocates the whole archive as it starts, and the few classes only a cache's first build
 * loads cost it less from the jar than they cost the others in the archive. Recorded over every
 * training build the archive was 40 MB; over these builds and the TLS client hello, 32 MB
 * (README, "The JVM class-data archive", has what each measured). The registry's server
 * classes stay out too.
 */
final class ArchiveTraining {
  /** A module of the training release, rewritten as a one-line change would rewrite it. */
  private static final String CHANGED = "lib/demo-0.1.0/ebin/Elixir.Demo.Version.beam";
  /** The first argument of the recorded JVM's command line. */
  private static final String RECORDED = "--recorded";

  private ArchiveTraining() {}

  /**
   * {@code ArchiveTraining WORK RELEASE JAR CLASS_LIST}: makes the first builds, then runs the
   * recorded ones in a JVM that writes the classes it loads to CLASS_LIST; exit 0 when every
   * training command succeeded. {@code ArchiveTraining --recorded WORK RELEASE REGISTRY}: the
   * recorded builds, against the first JVM's registry.
   */
  public static void main(String[] args) throws Exception {
    if (args[0].equals(RECORDED)) {
      recorded(Path.of(args[1]), args[2], args[3]);
    } else {
      try {
        firstBuilds(Path.of(args[0]).toAbsolutePath(),
            Path.of(args[1]).toAbsolutePath().toString(), Path.of(args[2]), Path.of(args[3]));
      } catch (IOException e) {
        System.err.println(e.getMessage()); // PackagedArchive's warning gives the last lines
        System.exit(1);
      }
    }
    System.exit(0);
  }

  private static void firstBuilds(Path work, String release, Path jar, Path classList)
      throws IOException, InterruptedException {
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    try (TrainingRegistry registry = TrainingRegistry.start()) {
      String base = base(registry.address());
      runAll(List.of(
          List.of("build", "--release", release, "--from", "host", "--to", base),
          List.of("build", "--release", release, "--from", base, "--to", app(base))),
          work, errors);
      Path dir = pipeline(work).resolve("release");
      unpack(Path.of(release), dir);
      runAll(List.of(pipelineBuild(work, base, pipelineImage(base))), pipeline(work), errors);
      List<String> command = ArchiveMaker.tunedJava(List.of());
      command.addAll(List.of("-XX:DumpLoadedClassList=" + classList,
          "-D" + Relaunch.CHILD + "=1", "-cp", jar.toString(), ArchiveTraining.class.getName(),
          RECORDED, work.toString(), release, registry.address()));
      // in a directory of its own, whose output.txt is not this JVM's
      PackagedArchive.run(command, Files.createDirectories(work.resolve("recorded")),
          "the recorded training builds");
    }
  }

  private static void recorded(Path work, String release, String registry)
      throws IOException, GeneralSecurityException {
    NativeSha256.install(Map.of());
    // what Main.main does before a build, which the commands below (run through Main.run) skip;
    // the installer's provider has the name of the one just installed, so the JVM ignores it
    ClassesAhead.initializeInBackground();
    NativeSha256.installInBackground(Map.of());
    Launcher.home();
    NativeSha256.nss(); // NSS's classes belong in the archive: a job with no cache loads them
    helloOverTls();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    String base = base(registry);
    runAll(List.of(List.of("build", "--release", release, "--from", base, "--to", app(base))),
        work, errors);
    trainOnDirectory(work, base, errors);
  }

  /**
   * The JDK's TLS client, as far as its first message: the training registry answers plain
   * HTTP, but the registries users push to (GitLab's) answer HTTPS. Recorded over every training
   * build, the archive had these classes from jib's HTTP client, which only the first builds
   * start; without them an HTTPS build would read about 450 of the JDK's classes from its
   * modules instead (a JVM that makes a TLS engine: 477 outside the archive against 20).
   */
  private static void helloOverTls() throws GeneralSecurityException, IOException {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine("registry.invalid", 443);
    engine.setUseClientMode(true);
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0),
        ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
  }

  private static String base(String registry) {
    return registry + "/training/base:1";
  }

  private static String app(String base) {
    return base.replace("/base:", "/app:");
  }

  private static Path pipeline(Path work) {
    return work.resolve("pipeline"); // a HOME, cache and state of its own: a new project
  }

  /**
   * A pipeline's build of the release directory, telling its steps and layers and writing its
   * metadata, as the README's pipelines do.
   */
  private static List<String> pipelineBuild(Path work, String base, String to,
      String... more) {
    Path pipeline = pipeline(work);
    List<String> build = new ArrayList<>(List.of("build", "--release",
        pipeline.resolve("release").toString(), "--from", base, "--metadata",
        pipeline.resolve("metadata.json").toString(), "--to", to));
    build.addAll(List.of(more));
    return build;
  }

  /** The repository a pipeline's builds push to. */
  private static String pipelineImage(String base) {
    return base.replace("/base:", "/pipeline:");
  }

  /**
   * The builds a project's pipeline makes from {@code mix release}'s directory after its first:
   * the same release again (its units compared with the stored ones, not hashed), one module
   * changed (the image revised in place, its SBOM attached again), and a job with no cache that
   * takes the unchanged layers from the previous image ({@code --cache-from}). Untrained, these
   * builds loaded 75 to 96 classes the archive lacked, mostly lambdas spun at run time; the job
   * with no cache, 43 (12 classes, 31 lambdas: sharing the state of the builds before it, it had
   * tagged their image, reading no layer).
   */
  private static void trainOnDirectory(Path work, String base, ByteArrayOutputStream errors)
      throws IOException {
    Path pipeline = pipeline(work);
    Path dir = pipeline.resolve("release");
    String image = pipelineImage(base);
    runAll(List.of(pipelineBuild(work, base, image)), pipeline, errors);
    // relpack reads no module's bytes: one byte more is a change, as a new build would make
    Files.write(dir.resolve(CHANGED), new byte[] {0}, StandardOpenOption.APPEND);
    runAll(List.of(pipelineBuild(work, base, image)), pipeline, errors);
    // a job with no cache: a HOME, cache and state of its own, or the state above would know the
    // image and tag it without reading a layer; a module changed again, so that it takes the
    // other layers from the image and compresses one, as a pipeline's next commit does
    Files.write(dir.resolve(CHANGED), new byte[] {0}, StandardOpenOption.APPEND);
    runAll(List.of(pipelineBuild(work, base, image + "-ci", "--cache-from", image)),
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
