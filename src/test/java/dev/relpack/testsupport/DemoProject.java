package dev.relpack.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A copy of testdata/demo that a test may change and rebuild with this machine's mix. */
public final class DemoProject {
  private final Path dir;

  private DemoProject(Path dir) {
    this.dir = dir;
  }

  public static DemoProject copyTo(Path work) throws IOException {
    Path dir = Trees.copy(Testdata.demoProject(), work.resolve("demo"),
        rel -> rel.startsWith("_build") || rel.startsWith("deps"));
    return new DemoProject(dir);
  }

  public Path dir() {
    return dir;
  }

  /** {@code MIX_ENV=prod mix release --overwrite}; returns the tarball it wrote. */
  public Path release() {
    Command.run(List.of("mix", "release", "--overwrite"), Map.of("MIX_ENV", "prod"),
        Duration.ofMinutes(5), dir).requireSuccess();
    return dir.resolve("_build/prod/demo-0.1.0.tar.gz");
  }

  /** The release directory {@link #release()} assembled. */
  public Path releaseDirectory() {
    return dir.resolve("_build/prod/rel/demo");
  }

  /** Changes what one module of the demo app returns; nothing else. */
  public void changeOneModule(String marker) throws IOException {
    Path version = dir.resolve("lib/demo/version.ex");
    String text = Files.readString(version);
    Files.writeString(version, text.replace("otp #{System.otp_release()}",
        "otp #{System.otp_release()} " + marker));
  }
}
