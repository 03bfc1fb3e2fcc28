package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import dev.relpack.io.Sha256;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A claim's key is the text of a layer's entries, hashed: the claims users' private state holds
 * are found by it, so its text stays what it was (else every layer is checked again once).
 */
class LayerClaimsTest {
  private static final Instant JIB_DEFAULT = Instant.ofEpochSecond(1);

  @Test
  void theKeyIsTheDigestOfEachEntrysSourcePathModeTimeAndOwnerInOrder() {
    FileEntriesLayer layer = layer(JIB_DEFAULT, JIB_DEFAULT);

    assertEquals(Sha256.of("app\n" + line("/rel/a", "/app/a", "644", "1970-01-01T00:00:01Z")
        + line("/rel/b", "/app/b", "755", "1970-01-01T00:00:01Z")), LayerClaims.key(layer));
  }

  /** Each entry's own time counts, not the first one's: the text of a time is made once. */
  @Test
  void entriesOfOtherTimesGiveTheirOwn() {
    Instant later = Instant.ofEpochSecond(1_700_000_000L, 5);

    assertEquals(Sha256.of("app\n" + line("/rel/a", "/app/a", "644", "1970-01-01T00:00:01Z")
        + line("/rel/b", "/app/b", "755", "2023-11-14T22:13:20.000000005Z")),
        LayerClaims.key(layer(JIB_DEFAULT, later)));
    assertNotEquals(LayerClaims.key(layer(later, JIB_DEFAULT)),
        LayerClaims.key(layer(JIB_DEFAULT, later)));
  }

  /** An entry's line: its fields and its (empty) owner, each ended by a NUL, then a newline. */
  private static String line(String source, String path, String mode, String time) {
    return String.join("\0", source, path, mode, time, "") + "\n";
  }

  private static FileEntriesLayer layer(Instant first, Instant second) {
    return FileEntriesLayer.builder().setName("app")
        .addEntry(new FileEntry(Path.of("/rel/a"), AbsoluteUnixPath.get("/app/a"),
            FilePermissions.fromOctalString("644"), first))
        .addEntry(new FileEntry(Path.of("/rel/b"), AbsoluteUnixPath.get("/app/b"),
            FilePermissions.fromOctalString("755"), second))
        .build();
  }
}
