package dev.relpack.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seal stands for a full check only while every entry of the tree looks as it did; anything
 * else means checking again. "Now" is a minute ahead, so the files just written here have
 * settled.
 */
class TreeSealsTest {
  private static final String DIGEST = "a".repeat(64);
  @TempDir Path work;
  private Path tree;
  private Path sealsDir;
  private TreeSeals seals;
  private int checks;

  @BeforeEach
  void aSealedTree() throws Exception {
    tree = Files.createDirectories(work.resolve("units/" + DIGEST + "/ebin")).getParent();
    Files.writeString(tree.resolve("ebin/app.beam"), "genuine code");
    sealsDir = work.resolve("state/seals");
    seals = new TreeSeals(Optional.of(sealsDir), minuteAhead());
    assertTrue(seals.holds(DIGEST, tree, this::check));
    assertEquals(1, checks, "the first use is checked in full");
  }

  private boolean check() {
    checks++;
    return true;
  }

  private static Clock minuteAhead() {
    return Clock.fixed(Instant.now().plus(Duration.ofMinutes(1)), ZoneOffset.UTC);
  }

  @Test
  void anUntouchedTreeIsTheSealedOneAndNotCheckedAgain() throws Exception {
    assertTrue(seals.holds(DIGEST, tree, this::check));
    assertEquals(1, checks);
    assertTrue(seals.holds("b".repeat(64), tree, this::check));
    assertEquals(2, checks, "a seal is for its own digest only");
  }

  @Test
  void isSealedSaysWhetherTheTreeLooksAsSealedWithoutCheckingIt() throws Exception {
    assertTrue(seals.isSealed(DIGEST, tree));
    assertFalse(seals.isSealed("b".repeat(64), tree), "a seal is for its own digest only");
    assertFalse(new TreeSeals(Optional.empty(), minuteAhead()).isSealed(DIGEST, tree),
        "no seals kept, none believed");
    Files.writeString(tree.resolve("ebin/extra.beam"), "planted");
    assertFalse(seals.isSealed(DIGEST, tree));
    assertEquals(1, checks, "never checked");
  }

  @Test
  void changedBytesOfTheSameSizeWithTheModificationTimeSetBackAreCheckedAndRefused()
      throws Exception {
    Path beam = tree.resolve("ebin/app.beam");
    FileTime modified = Files.getLastModifiedTime(beam);
    Files.writeString(beam, "planted code");
    Files.setLastModifiedTime(beam, modified);

    assertFalse(seals.holds(DIGEST, tree, () -> false));
  }

  @Test
  void anAddedFileALostExecBitOrAReplacedFileAreEachCheckedAgain() throws Exception {
    Path added = tree.resolve("ebin/extra.beam");
    Files.writeString(added, "x");
    assertFalse(seals.holds(DIGEST, tree, () -> false), "a file added");
    Files.delete(added);

    Path beam = tree.resolve("ebin/app.beam");
    Files.setPosixFilePermissions(beam, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertFalse(seals.holds(DIGEST, tree, () -> false), "an exec bit");
    Files.setPosixFilePermissions(beam, PosixFilePermissions.fromString("rw-r--r--"));

    Path copy = work.resolve("copy");
    Files.copy(beam, copy, StandardCopyOption.COPY_ATTRIBUTES);
    Files.move(copy, beam, StandardCopyOption.REPLACE_EXISTING);
    assertFalse(seals.holds(DIGEST, tree, () -> false), "a file replaced by a copy of itself");
  }

  @Test
  void theEntriesOfASealedTreeComeInPathOrderAndAChangeDeepInItIsSeen() throws Exception {
    Files.createDirectories(tree.resolve("priv/a/b"));
    Files.writeString(tree.resolve("priv/a/b/c.so"), "nif");
    Files.writeString(tree.resolve("priv/a-z"), "x");
    assertTrue(seals.holds(DIGEST, tree, this::check));
    assertEquals(2, checks, "a tree with more in it is checked again");

    List<String> paths = seals.sealedEntries(DIGEST, tree).orElseThrow().stream()
        .map(TreeSeals.Sealed::path).toList();
    // as a sorted walk of paths lists them: "a-z" before "a/b" ('-' sorts before '/')
    assertEquals(List.of("ebin", "ebin/app.beam", "priv", "priv/a", "priv/a-z", "priv/a/b",
        "priv/a/b/c.so"), paths);
    Files.writeString(tree.resolve("priv/a/b/c.so"), "NIF");
    assertFalse(seals.isSealed(DIGEST, tree), "a file three directories down rewritten");
  }

  @Test
  void aTreeJustWrittenIsNotSealedUntilItHasSettled() throws Exception {
    TreeSeals now = new TreeSeals(Optional.of(work.resolve("other-seals")));
    now.holds(DIGEST, tree, this::check);
    now.holds(DIGEST, tree, this::check);

    assertEquals(3, checks);
    assertFalse(Files.exists(work.resolve("other-seals/" + DIGEST)));
  }

  @Test
  void aTreeThisUserJustWroteAloneIsSealedAtOnceButNotOneOthersMayWrite() throws Exception {
    TreeSeals now = new TreeSeals(Optional.of(work.resolve("fresh-seals")));
    Path written = Files.createDirectories(work.resolve("fresh/" + DIGEST + "/ebin")).getParent();
    Files.writeString(written.resolve("ebin/app.beam"), "just written");
    for (Path path : List.of(written, written.resolve("ebin"))) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.setPosixFilePermissions(written.resolve("ebin/app.beam"),
        PosixFilePermissions.fromString("rw-r--r--"));
    now.sealWritten(DIGEST, written);
    assertTrue(now.holds(DIGEST, written, this::check));
    assertEquals(1, checks, "sealed as written: not checked, though it has not settled");

    Path shared = Files.createDirectories(work.resolve("shared/" + DIGEST + "/ebin")).getParent();
    Files.writeString(shared.resolve("ebin/app.beam"), "just written");
    Files.setPosixFilePermissions(shared.resolve("ebin/app.beam"),
        PosixFilePermissions.fromString("rw-rw-r--"));
    TreeSeals other = new TreeSeals(Optional.of(work.resolve("shared-seals")));
    other.sealWritten(DIGEST, shared);
    assertFalse(other.isSealed(DIGEST, shared), "a group-writable file: left to a full check");
    assertFalse(new TreeSeals(Optional.empty()).isSealed(DIGEST, written));
  }

  @Test
  void aTreeThatChangesWhileItIsCheckedIsNotSealed() throws Exception {
    TreeSeals other = new TreeSeals(Optional.of(work.resolve("other-seals")), minuteAhead());
    Path beam = tree.resolve("ebin/app.beam");
    other.holds(DIGEST, tree, () -> {
      Files.writeString(beam, "planted code"); // after its bytes were read, say
      return true;
    });

    assertFalse(Files.exists(work.resolve("other-seals/" + DIGEST)));
    assertTrue(other.holds(DIGEST, tree, this::check));
    assertEquals(2, checks, "checked in full again");
  }

  @Test
  void sealsOthersCanWriteAreNotBelieved() throws Exception {
    assertTrue(seals.holds(DIGEST, tree, this::check)); // the control: while private, believed
    assertEquals(1, checks);
    Files.setPosixFilePermissions(sealsDir, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertFalse(seals.holds(DIGEST, tree, () -> false));
  }

  @Test
  void withoutAStateDirectoryEveryUseIsChecked() throws IOException {
    TreeSeals none = new TreeSeals(Optional.empty(), minuteAhead());
    none.holds(DIGEST, tree, this::check);
    none.holds(DIGEST, tree, this::check);

    assertEquals(3, checks);
  }
}
