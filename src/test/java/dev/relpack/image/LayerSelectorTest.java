package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerSelectorTest {
  @TempDir Path dir;

  /** A source file with this mtime and an entry of it. */
  private FileEntry entry(String source, Instant sourceTime, String into, String mode,
      Instant time, String ownership) throws Exception {
    Path file = dir.resolve(source);
    Files.createDirectories(file.getParent());
    if (!Files.exists(file)) {
      Files.writeString(file, source);
    }
    Files.setLastModifiedTime(file, FileTime.from(sourceTime));
    return new FileEntry(file, AbsoluteUnixPath.get(into), FilePermissions.fromOctalString(mode),
        time, ownership);
  }

  private static FileEntriesLayer layer(FileEntry... entries) {
    FileEntriesLayer.Builder builder = FileEntriesLayer.builder().setName("app");
    for (FileEntry entry : entries) {
      builder.addEntry(entry);
    }
    return builder.build();
  }

  /** Entries as releases have them: the key is jib's own, made without jib. */
  @Test
  void plainEntriesGiveJibsOwnKey() throws Exception {
    Instant one = Instant.ofEpochSecond(1);
    List<FileEntriesLayer> layers = List.of(
        layer(entry("units/ab/lib/demo-0.1.0/ebin/demo.app", Instant.ofEpochSecond(1700000000),
            "/app/lib/demo-0.1.0/ebin/demo.app", "644", one, "")),
        // unsorted, times with nanoseconds (leading zeros, none at all), modes, owners
        layer(entry("units/zz/bin/demo", Instant.ofEpochSecond(1764590000, 5),
                "/app/bin/demo", "755", one, "1000:1000"),
            entry("units/aa/releases/0.1.0/vm.args", Instant.ofEpochSecond(1764590000,
                123456789), "/app/releases/0.1.0/vm.args", "640", Instant.ofEpochSecond(2, 50),
                "0:0"),
            entry("units/aa/releases/0.1.0/sys.config", Instant.ofEpochSecond(1764590001,
                100000000), "/app/releases/0.1.0/sys.config", "600", one, "")),
        // one source at two places: the extraction path orders them
        layer(entry("units/cc/lib/x/priv/a b+c~d.txt", Instant.ofEpochSecond(86400),
                "/app/lib/x/priv/z", "644", one, ""),
            entry("units/cc/lib/x/priv/a b+c~d.txt", Instant.ofEpochSecond(86400),
                "/app/lib/x/priv/a", "644", one, "")),
        layer());
    for (FileEntriesLayer layer : layers) {
      Optional<?> plain = LayerSelector.plain(layer);
      assertTrue(plain.isPresent(), "computed without jib: " + layer.getEntries());
      assertEquals(LayerSelector.ofJib(layer), plain.get(), "jib's JSON for "
          + LayerSelector.json(layer.getEntries()).orElseThrow());
      assertEquals(LayerSelector.of(layer), Optional.of(plain.get()));
    }
  }

  /** Whatever Jackson would escape or write its own way is left to jib. */
  @Test
  void otherEntriesTakeJibsOwnCall() throws Exception {
    Instant one = Instant.ofEpochSecond(1);
    Instant later = Instant.ofEpochSecond(1700000000);
    List<FileEntriesLayer> layers = List.of(
        // a file name the platform need not encode: only the path in the image is not ASCII
        layer(entry("units/e/cafe.beam", later, "/app/caf\u00e9.beam", "644", one, "")),
        layer(entry("units/q/a\"b", later, "/app/a\"b", "644", one, "")),
        layer(entry("units/s/a\\b", later, "/app/a\\b", "644", one, "")),
        layer(entry("units/t/tab\there", later, "/app/tab\there", "644", one, "")),
        layer(entry("units/e/epoch", later, "/app/epoch", "644", Instant.EPOCH, "")),
        layer(entry("units/b/before", Instant.ofEpochSecond(-1, 500000000), "/app/before", "644",
            one, "")));
    for (FileEntriesLayer layer : layers) {
      assertEquals(Optional.empty(), LayerSelector.plain(layer), layer.getEntries().toString());
      assertEquals(Optional.of(LayerSelector.ofJib(layer)), LayerSelector.of(layer));
    }
  }

  /** The key follows the source's time, as jib's: a file touched since finds another blob. */
  @Test
  void aSourceTouchedSinceGivesAnotherKey() throws Exception {
    Instant one = Instant.ofEpochSecond(1);
    FileEntriesLayer layer = layer(entry("units/a/x", Instant.ofEpochSecond(1700000000),
        "/app/x", "644", one, ""));
    Object before = LayerSelector.plain(layer).orElseThrow();
    Files.setLastModifiedTime(dir.resolve("units/a/x"),
        FileTime.from(Instant.ofEpochSecond(1700000000, 1000)));
    assertNotEquals(before, LayerSelector.plain(layer).orElseThrow());
    assertEquals(LayerSelector.ofJib(layer), LayerSelector.plain(layer).orElseThrow());
  }
}
