package dev.relpack.sbom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.sbom.HexPackages.HexPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HexPackagesTest {
  @TempDir Path work;

  @Test
  void readsEveryHexEntryOfMixLockByItsAppAndNoGitDependency() throws IOException {
    Map<String, HexPackage> packages = HexPackages.read(SbomFixture.project(work));
    assertEquals(List.of("jason", "sauce", "stale"), List.copyOf(packages.keySet()),
        "the git dependency is no Hex package");
    assertEquals(new HexPackage("jason", "jason", "1.4.1", Optional.empty(),
        List.of("Apache-2.0")), packages.get("jason"),
        "the licences are read although the file's description is a /utf8 binary");
    assertEquals(new HexPackage("sauce", "secret_sauce", "2.0.0", Optional.of("acme"), List.of()),
        packages.get("sauce"), "named apart from its app, in organisation acme, no metadata");
    assertEquals("pkg:hex/acme/secret_sauce@2.0.0", packages.get("sauce").purl());
    assertEquals("pkg:hex/jason@1.4.1", packages.get("jason").purl());
  }

  @Test
  void aProjectWithoutMixLockHasNoHexPackages() throws IOException {
    assertTrue(HexPackages.read(work).isEmpty());
  }

  @Test
  void anOldLockWithoutRepositoryAndAQuotedPackageNameRead() throws IOException {
    Files.writeString(work.resolve("mix.lock"), "%{\"a_b\": {:hex, :\"a_b\", \"0.1.0\","
        + " \"" + "c".repeat(64) + "\"},\n  \"x\": {:hex, :x, \"1.0.0-rc.1\", \"d\"}}\n");
    Map<String, HexPackage> packages = HexPackages.read(work);
    assertEquals("pkg:hex/a_b@0.1.0", packages.get("a_b").purl());
    assertEquals("pkg:hex/x@1.0.0-rc.1", packages.get("x").purl());
  }

  @Test
  void licencesOfSeveralOrNoneOrUnreadable() throws IOException {
    Path metadata = work.resolve("hex_metadata.config");
    Files.writeString(metadata, "{<<\"licenses\">>,[<<\"MIT\">>,<<\"Apache-2.0\">>]}.\n");
    assertEquals(List.of("MIT", "Apache-2.0"), HexPackages.licenses(metadata));
    Files.writeString(metadata, "{<<\"licenses\">>,[]}.\n");
    assertEquals(List.of(), HexPackages.licenses(metadata));
    Files.writeString(metadata, "{<<\"licenses\">>,[<<\"Lic\\303\\251nce\"/utf8>>]}.\n");
    assertEquals(List.of(), HexPackages.licenses(metadata), "not read is not claimed");
    assertEquals(List.of(), HexPackages.licenses(work.resolve("absent")));
  }

  @Test
  void aMixLockTooLargeToBeOneIsAnErrorNotNoPackages() throws IOException {
    Files.write(work.resolve("mix.lock"), new byte[(int) HexPackages.MAX_FILE_BYTES + 1]);
    IOException e = assertThrows(IOException.class, () -> HexPackages.read(work));
    assertTrue(e.getMessage().contains("mix.lock is larger than"), e.getMessage());
  }
}
