package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.image.ReproducibleLayerBuilder;
import com.google.common.collect.ImmutableList;
import dev.relpack.testsupport.Testdata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** relpack's layer tar against jib's builder, byte for byte, on every kind of entry. */
class LayerTarTest {
  private static final Instant TIME = Instant.ofEpochSecond(1);

  @TempDir Path work;

  private Path file(String name, byte[] content) throws Exception {
    Path file = work.resolve("src").resolve(name);
    Files.createDirectories(file.getParent());
    return Files.write(file, content);
  }

  private static FileEntry entry(Path source, String target, String mode, Instant time) {
    return new FileEntry(source, AbsoluteUnixPath.get(target),
        FilePermissions.fromOctalString(mode), time);
  }

  private static byte[] jibs(List<FileEntry> entries) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new ReproducibleLayerBuilder(ImmutableList.copyOf(entries)).build().writeTo(bytes);
    return bytes.toByteArray();
  }

  private static byte[] ours(List<FileEntry> entries) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BlobDescriptor written = new LayerTar(entries).writeTo(bytes);
    byte[] tar = bytes.toByteArray();
    assertEquals(tar.length, written.getSize());
    assertEquals("sha256:" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(tar)), written.getDigest().toString());
    return tar;
  }

  @Test
  void filesDirectoriesAndTheirParentsAreWrittenAsJibWritesThem() throws Exception {
    Path directory = Files.createDirectories(work.resolve("src/empty"));
    List<FileEntry> entries = List.of(
        entry(file("b.beam", new byte[] {1, 2, 3}), "/app/lib/b-1/ebin/b.beam", "644", TIME),
        entry(file("run", "#!/bin/sh\n".getBytes()), "/app/bin/run", "755", TIME),
        entry(file("empty.app", new byte[0]), "/app/lib/b-1/ebin/empty.app", "644", TIME),
        entry(directory, "/app/tmp", "755", TIME),
        entry(directory, "/app/var/log", "700", TIME),
        entry(file("a.beam", new byte[] {9}), "/app/lib/a-1/ebin/a.beam", "600", TIME));
    assertArrayEquals(jibs(entries), ours(entries));
  }

  @Test
  void theFirstEntryForANameWinsWhetherGivenOrMadeAsAParent() throws Exception {
    Path directory = Files.createDirectories(work.resolve("src/dir"));
    Instant later = Instant.ofEpochSecond(1_700_000_000L);
    List<FileEntry> entries = List.of(
        entry(directory, "/app/given", "700", later), // given before its child: it stays
        entry(file("x", new byte[] {1}), "/app/given/x", "644", TIME),
        entry(file("y", new byte[] {2}), "/app/made/y", "644", TIME),
        entry(directory, "/app/made", "700", later), // made as y's parent already: dropped
        entry(file("z", new byte[] {3}), "/app/made/y", "755", TIME)); // a second y: dropped
    assertArrayEquals(jibs(entries), ours(entries));
  }

  @Test
  void longAndNonAsciiNamesAndLargeFilesAreWrittenAsJibWritesThem() throws Exception {
    byte[] large = new byte[1_234_567];
    new Random(7).nextBytes(large);
    String longName =
        "/app/lib/" + "a_rather_long_application_name-1.2.3/".repeat(4) + "ebin/m.beam";
    List<FileEntry> entries = List.of(
        entry(file("long", new byte[] {1}), longName, "644", TIME),
        entry(file("utf", new byte[] {2}), "/app/lib/grüße-1/priv/日本.txt", "644", TIME),
        entry(file("large", large), "/app/erts-13/bin/beam.smp", "755", TIME));
    assertArrayEquals(jibs(entries), ours(entries));
  }

  @Test
  void linksAreFollowedAndTimesWithNanosecondsKeptAsJibKeepsThem() throws Exception {
    Path target = file("target", "the target's bytes".getBytes());
    Path link = Files.createSymbolicLink(work.resolve("src/link"), target);
    List<FileEntry> entries = List.of(
        entry(link, "/app/bin/linked", "755", TIME),
        entry(file("t", new byte[] {5}), "/app/t", "644", Instant.ofEpochSecond(12, 3_400)));
    assertArrayEquals(jibs(entries), ours(entries));
  }

  @Test
  void aGeneratedReleaseTreeInAnyOrderIsWrittenAsJibWritesIt() throws Exception {
    Random random = new Random(42);
    List<FileEntry> entries = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] content =
          new byte[random.nextInt(3) == 0 ? random.nextInt(70_000) : random.nextInt(900)];
      random.nextBytes(content);
      String target = "/app/lib/app" + random.nextInt(12) + "-0." + random.nextInt(3)
          + (random.nextBoolean() ? "/ebin/" : "/priv/sub" + random.nextInt(4) + "/") + "f" + i
          + (random.nextBoolean() ? ".beam" : "");
      entries.add(entry(file("g" + i, content), target, random.nextInt(5) == 0 ? "755" : "644",
          TIME));
    }
    assertArrayEquals(jibs(entries), ours(entries));
    assertArrayEquals(jibs(List.of()), ours(List.of()));
  }

  @Test
  void theTestdataReleaseIsWrittenAsJibWritesIt() throws Exception {
    Path release = Files.createDirectories(work.resolve("release"));
    List<FileEntry> entries = new ArrayList<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(
        Files.newInputStream(Testdata.demoTarball())))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        Path to = release.resolve(entry.getName()).normalize();
        if (entry.isDirectory()) {
          Files.createDirectories(to);
          entries.add(entry(to, "/app/" + release.relativize(to), "755", TIME));
        } else if (entry.isFile()) {
          Files.createDirectories(to.getParent());
          Files.copy(tar, to);
          entries.add(entry(to, "/app/" + release.relativize(to),
              (entry.getMode() & 0100) != 0 ? "755" : "644", TIME));
        }
      }
    }
    assertEquals(true, entries.size() > 600, "entries: " + entries.size());
    assertArrayEquals(jibs(entries), ours(entries));
  }

  @Test
  void theStreamWrittenToStaysOpen() throws Exception {
    boolean[] closed = {false};
    OutputStream out = new OutputStream() {
      @Override
      public void write(int b) {}

      @Override
      public void close() {
        closed[0] = true;
      }
    };
    new LayerTar(List.of(entry(file("f", new byte[] {1}), "/app/f", "644", TIME))).writeTo(out);
    assertEquals(false, closed[0]);
  }

  @Test
  void aFileWhoseSizeIsNotWhatItsHeaderSaidIsNamed() throws Exception {
    // a file that grew while the layer was written: /proc's files say 0 bytes and hold more
    Path proc = Path.of("/proc/self/status");
    LayerTar tar = new LayerTar(List.of(entry(proc, "/app/status", "644", TIME)));
    IOException thrown = assertThrows(IOException.class,
        () -> tar.writeTo(OutputStream.nullOutputStream()));
    assertEquals(proc + " changed size while its layer was written (0 bytes, then more)",
        thrown.getMessage());
  }

  @Test
  void anEntryWithAnOwnerIsNotTaken() throws Exception {
    FileEntry owned = new FileEntry(file("o", new byte[] {1}), AbsoluteUnixPath.get("/app/o"),
        FilePermissions.DEFAULT_FILE_PERMISSIONS, TIME, "1000:1000");
    assertThrows(IllegalArgumentException.class, () -> new LayerTar(List.of(owned)));
  }
}
