package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relpack.error.BadInputException;
import dev.relpack.io.Sha256;
import dev.relpack.testsupport.TarEntries;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layers of a {@code tar:} base, as the boot check reads them. */
class DockerArchiveFilesTest {
  private static final byte[] ONE = "layer one, a plain tar".getBytes(StandardCharsets.UTF_8);
  private static final byte[] TWO = "layer two, gzipped in the archive".getBytes(StandardCharsets.UTF_8);
  @TempDir Path work;

  /**
   * An archive whose second layer is a symlink to a gzipped member elsewhere in it, as archives
   * sharing layers between images have; {@code diffIds} as its config gives them.
   */
  private Path archive(List<String> diffIds, boolean duplicate) throws IOException {
    Path tar = work.resolve("base.tar");
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
        + "[\"PATH=/usr/local/bin:/bin\",\"LANG=C\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + String.join("\",\"", diffIds) + "\"]}}";
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
      TarEntries.file(out, "config.json", config.getBytes(StandardCharsets.UTF_8));
      TarEntries.file(out, "one/layer.tar", ONE);
      TarEntries.file(out, "shared/two.tar.gz", gzip(TWO));
      TarArchiveEntry link = new TarArchiveEntry("two/layer.tar", TarConstants.LF_SYMLINK);
      link.setLinkName("../shared/two.tar.gz");
      out.putArchiveEntry(link);
      out.closeArchiveEntry();
      if (duplicate) {
        TarEntries.file(out, "one/layer.tar", TWO);
      }
      TarEntries.file(out, "manifest.json", ("[{\"Config\":\"config.json\",\"RepoTags\":[\"base:1\"],"
          + "\"Layers\":[\"one/layer.tar\",\"two/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
    }
    return tar;
  }

  private static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  private static byte[] read(BaseLayer layer) throws IOException {
    try (InputStream in = layer.open()) {
      return in.readAllBytes();
    }
  }

  @Test
  void layersComeInManifestOrderNamedByDiffIdLinksFollowedGzipUndone() throws IOException {
    List<String> diffIds = List.of("sha256:" + Sha256.of(ONE), "sha256:" + Sha256.of(TWO));
    BaseFiles files = DockerArchiveBase.files(archive(diffIds, false));
    assertEquals(diffIds, files.layers().stream().map(BaseLayer::digest).toList());
    assertArrayEquals(ONE, read(files.layers().get(0)));
    assertArrayEquals(TWO, read(files.layers().get(1)));
    assertEquals(List.of("PATH=/usr/local/bin:/bin", "LANG=C"), files.env());
    assertEquals("/usr/local/bin:/bin", files.variable("PATH").orElseThrow());
  }

  @Test
  void aLayerThatIsNotWhatItsDiffIdSaysFailsAtItsEnd() throws IOException {
    String claimed = "sha256:" + Sha256.of("something else");
    Path tar = archive(List.of("sha256:" + Sha256.of(ONE), claimed), false);
    BaseLayer two = DockerArchiveBase.files(tar).layers().get(1);
    BadInputException e = assertThrows(BadInputException.class, () -> read(two));
    assertEquals("{from} tar:" + tar + ": layer two/layer.tar does not match the diff ID " + claimed
        + " its config gives it (its content is sha256:" + Sha256.of(TWO) + "); the archive is"
        + " damaged or was tampered with", e.getMessage());
  }

  @Test
  void anArchiveHoldingAMemberTwiceIsRefused() throws IOException {
    Path tar = archive(List.of("sha256:" + Sha256.of(ONE), "sha256:" + Sha256.of(TWO)), true);
    BadInputException e = assertThrows(BadInputException.class, () -> DockerArchiveBase.files(tar));
    assertEquals("{from} tar:" + tar + ": it holds one/layer.tar twice; save the image again",
        e.getMessage());
  }
}
