package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.auth.RegistryCredentials;
import dev.relpack.base.BaseImage;
import dev.relpack.error.RelpackException;
import dev.relpack.registry.ReadLimits;
import dev.relpack.registry.RegistryAccess;
import dev.relpack.registry.RegistryDeadline;
import dev.relpack.registry.RegistryProbe;
import dev.relpack.registry.RegistryReader;
import dev.relpack.registry.TlsTrust;
import dev.relpack.publish.ArchiveTarget;
import dev.relpack.testsupport.SystemPropertyForEachTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build's turn at jib's {@code sendCredentialsOverHttp} ends with the build, whether jib got
 * as far as its first event or not: another build in the JVM must never wait for it forever.
 */
class JibImageBuilderTest {
  private static final String PROPERTY = CredentialsOverHttpTurn.PROPERTY;
  @TempDir Path work;

  @RegisterExtension
  final SystemPropertyForEachTest property =
      new SystemPropertyForEachTest(PROPERTY, "as the user set it");

  @Test
  void aBuildGivesBackTheTurnAndThePropertyWhenItSucceeds() throws Exception {
    Path cache = Files.createDirectories(work.resolve("cache"));
    ImageSpec spec = spec();
    // bounded: a turn another test kept would make this wait forever
    ImageResult result = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> builder(cache)
        .build(spec, new ArchiveTarget(work.resolve("app.tar"), List.of("1"))));
    assertTrue(result.digest().startsWith("sha256:"), result.digest());
    assertTrue(Files.isRegularFile(work.resolve("app.tar")));
    assertTurnIsFree();
  }

  @Test
  void aBuildGivesBackTheTurnAndThePropertyWhenJibFailsBeforeItsFirstEvent() throws Exception {
    Path cache = Files.createDirectories(work.resolve("cache"));
    // jib makes its layer caches under cache/jib while making its build context, before any
    // event: a file there stops it
    Files.writeString(cache.resolve("jib"), "not a directory");
    ImageSpec spec = spec();
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> assertThrows(RelpackException.class,
        () -> builder(cache).build(spec, new ArchiveTarget(work.resolve("app.tar"),
            List.of("1")))));
    assertTrue(Files.notExists(work.resolve("app.tar")));
    assertTurnIsFree();
  }

  private void assertTurnIsFree() {
    assertEquals("as the user set it", System.getProperty(PROPERTY));
    assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> CredentialsOverHttpTurn.take(false).close(), "the build kept the turn");
  }

  private JibImageBuilder builder(Path cache) {
    RegistryAccess access = new RegistryAccess(false);
    RegistryReader reader = new RegistryReader(access, r -> RegistryProbe.Transport.HTTPS,
        Duration.ofSeconds(5), ReadLimits.DEFAULT);
    return new JibImageBuilder(new JibImageBuilder.Settings(cache, "test", false, true,
        new RegistryCredentials(Map.of(), work.resolve("home"), w -> {}), reader,
        Duration.ofMillis(1), RegistryDeadline.of(Duration.ofSeconds(60), List.of(),
            TlsTrust.jvm()), LayerTrust.none()), new Quiet());
  }

  private ImageSpec spec() throws Exception {
    Path file = Files.writeString(work.resolve("hello.txt"), "hello\n");
    BaseImage scratch = new BaseImage("scratch", Optional.empty(), new BaseImage.ScratchSource(),
        Optional.empty(), new BaseImage.MachineContents(work, List.of()));
    return new ImageSpec("app", scratch,
        List.of(new ImageLayer("app", List.of(new LayerEntry(file, "/app/hello.txt", false,
            false)))),
        List.of("/app/hello.txt"), List.of(), new TreeMap<>(), List.of(), "65534:65534", "/app",
        new TreeMap<>(), Instant.EPOCH, "amd64");
  }

  private static final class Quiet implements ImageListener {
    @Override
    public void progress(double fraction, String task) {}

    @Override
    public void warn(String message) {}

    @Override
    public void debug(String message) {}
  }
}
