package dev.relpack.base;

import dev.relpack.format.dockerarchive.DockerArchiveNames;
import dev.relpack.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;
import dev.relpack.io.Sha256;
import java.io.BufferedInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Base archives relpack made and keeps in the cache, which other jobs may write. One found there
 * is used only if it is what relpack would write now; one that is not is reported and replaced.
 */
final class CachedArchives {
  private CachedArchives() {}

  /**
   * Keeps {@code archive} if {@code content} writes exactly its bytes (archives are small and
   * reproducible), else replaces it with what {@code content} writes.
   */
  static void verify(Path archive, AtomicFiles.Content content, Consumer<String> warn)
      throws IOException {
    Path fresh = Files.createTempFile(archive.getParent(), "." + archive.getFileName(), ".tmp");
    try {
      content.writeTo(fresh);
      if (Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)
          && Files.mismatch(fresh, archive) == -1) {
        return;
      }
      warn.accept("cache entry " + archive + " is not what relpack writes for it (changed or"
          + " corrupt); writing it again");
      AtomicFiles.write(archive, tmp -> Files.copy(fresh, tmp,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING));
    } finally {
      Files.deleteIfExists(fresh);
    }
  }

  /**
   * Whether {@code archive} holds exactly these entries, in this order: each blob
   * ({@code HEX.json}, {@code HEX.tar.gz}) with the content its name's digest says, and
   * {@code manifest.json} with these bytes.
   */
  static boolean holds(Path archive, List<String> blobNames, byte[] manifest) throws IOException {
    List<String> expected = new ArrayList<>(blobNames);
    expected.add(DockerArchiveNames.MANIFEST);
    int index = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        new BufferedInputStream(Files.newInputStream(archive), 64 * 1024))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; index++) {
        if (index >= expected.size() || !entry.getName().equals(expected.get(index))) {
          return false;
        }
        if (entry.getName().equals(DockerArchiveNames.MANIFEST)) {
          if (!Arrays.equals(tar.readAllBytes(), manifest)) {
            return false;
          }
        } else {
          String hex = entry.getName().substring(0, entry.getName().indexOf('.'));
          if (!Sha256.of(tar).equals(hex)) {
            return false;
          }
        }
      }
    } catch (IOException e) {
      return false; // not a readable tar: write it again
    }
    return index == expected.size();
  }
}
