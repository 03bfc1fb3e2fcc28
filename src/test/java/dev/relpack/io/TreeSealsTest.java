package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seal stands for a unit only while every entry looks as it did; anything else means hashing
 * again. "Now" is a minute ahead, so the files just written here have settled.
 */
class TreeSealsTest {
  private static final String DIGEST = "a".repeat(64);
  @TempDir Path work;
  private Path unit;
  private Path sealsDir;
  private TreeSeals seals;

  @BeforeEach
  void aSealedUnit() throws Exception {
    unit = Files.createDirectories(work.resolve("units/" + DIGEST + "/ebin"));
    Files.writeString(unit.resolve("app.beam"), "genuine code");
    unit = unit.getParent();
    sealsDir = work.resolve("state/unit-seals");
    seals = new TreeSeals(Optional.of(sealsDir), minuteAhead());
    seals.seal(DIGEST, unit);
  }

  private static Clock minuteAhead() {
    return Clock.fixed(Instant.now().plus(Duration.ofMinutes(1)), ZoneOffset.UTC);
  }

  @Test
  void anUntouchedUnitIsTheSealedOne() {
    assertTrue(seals.unchanged(DIGEST, unit));
    assertFalse(seals.unchanged("b".repeat(64), unit), "a seal is for its own digest only");
  }

  @Test
  void changedBytesOfTheSameSizeWithTheModificationTimeSetBackAreSeen() throws Exception {
    Path beam = unit.resolve("ebin/app.beam");
    FileTime modified = Files.getLastModifiedTime(beam);
    Files.writeString(beam, "planted code");
    Files.setLastModifiedTime(beam, modified);

    assertFalse(seals.unchanged(DIGEST, unit));
  }

  @Test
  void anAddedFileALostExecBitOrAReplacedFileAreSeen() throws Exception {
    Path added = unit.resolve("ebin/extra.beam");
    Files.writeString(added, "x");
    assertFalse(seals.unchanged(DIGEST, unit));
    Files.delete(added);

    Path beam = unit.resolve("ebin/app.beam");
    Files.setPosixFilePermissions(beam, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertFalse(seals.unchanged(DIGEST, unit));
    Files.setPosixFilePermissions(beam, PosixFilePermissions.fromString("rw-r--r--"));

    Path copy = work.resolve("copy");
    Files.copy(beam, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    Files.move(copy, beam, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertFalse(seals.unchanged(DIGEST, unit), "a file replaced by a copy of itself");
  }

  @Test
  void aUnitJustWrittenIsNotSealedUntilItHasSettled() throws Exception {
    TreeSeals now = new TreeSeals(Optional.of(work.resolve("other-seals")));
    now.seal(DIGEST, unit);

    assertFalse(now.unchanged(DIGEST, unit));
    assertFalse(Files.exists(work.resolve("other-seals/" + DIGEST)));
  }

  @Test
  void sealsOthersCanWriteAreNotBelieved() throws Exception {
    assertTrue(seals.unchanged(DIGEST, unit)); // the control: the same seal, while private
    Files.setPosixFilePermissions(sealsDir, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertFalse(seals.unchanged(DIGEST, unit));
  }

  @Test
  void withoutAStateDirectoryNothingIsSealed() {
    TreeSeals none = new TreeSeals(Optional.empty(), minuteAhead());
    none.seal(DIGEST, unit);

    assertFalse(none.unchanged(DIGEST, unit));
  }
}
