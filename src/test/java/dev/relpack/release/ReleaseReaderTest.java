package dev.relpack.release;

import dev.relpack.io.Sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import dev.relpack.testsupport.Testdata;
import dev.relpack.testsupport.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReleaseReaderTest {
  @TempDir Path cache;
  @TempDir Path work;

  private Release read(Path input) {
    return new ReleaseReader(cache, ExtractionLimits.DEFAULT, warning -> {}).read(input);
  }

  @Test
  void readsTheDemoMixReleaseTarball() {
    Release release = read(Testdata.demoTarball());
    assertEquals("demo", release.name());
    assertEquals("0.1.0", release.version());
    assertEquals("13.1.5", release.ertsVersion());
    assertEquals(ReleaseKind.MIX, release.kind());
    assertTrue(release.ertsIncluded());
    assertEquals("start", release.startCommand());
    assertEquals("bin/demo", release.startScript());
    assertEquals(new ReleaseApp("greeting", "1.2.0"), release.app("greeting").orElseThrow());
    assertEquals(10, release.apps().size());
    Map<String, ReleaseFile> files = byPath(release);
    assertTrue(files.get("bin/demo").executable());
    assertTrue(files.get("erts-13.1.5/bin/beam.smp").executable());
    assertFalse(files.get("releases/COOKIE").executable());
    assertTrue(files.get("lib/demo-0.1.0/ebin").directory());
    for (ReleaseFile file : release.files()) {
      assertTrue(file.source().startsWith(cache), file.source() + " is not in the cache");
      assertTrue(Files.exists(file.source()), file.path());
    }
  }

  @ParameterizedTest
  @CsvSource({
      "distillery, shop, 0.2.0, DISTILLERY, foreground",
      "exrm, legacy, 1.4.0, EXRM, foreground",
      "relx, api, 3.1.0, RELX, foreground",
      "mix-umbrella, platform, 2.0.0, MIX, start"})
  void detectsEachKindFromDirectoryAndTarballAlike(String fixture, String name, String version,
      ReleaseKind kind, String command) {
    Release fromDir = read(Testdata.kind(fixture));
    Release fromTar = read(Testdata.root().resolve("kinds/" + fixture + ".tar.gz"));
    for (Release release : List.of(fromDir, fromTar)) {
      assertEquals(name, release.name());
      assertEquals(version, release.version());
      assertEquals(kind, release.kind());
      assertEquals(command, release.startCommand());
    }
    assertEquals(fromDir.files(), fromTar.files(), "dir and tarball must give the same files");
  }

  @ParameterizedTest
  @CsvSource({
      "distillery, var/vm.args",
      "distillery, releases/0.2.0/shop.tar.gz",
      "exrm, log/erlang.log.1",
      "relx, api-3.1.0.tar.gz",
      "mix-umbrella, tmp/left-by-a-local-run"})
  void leavesOutWhatALocalRunOrPackagingLeftInTheRelease(String fixture, String leftover) {
    assertTrue(Files.exists(Testdata.kind(fixture).resolve(leftover)), "fixture lost " + leftover);
    Release release = read(Testdata.kind(fixture));
    assertFalse(byPath(release).containsKey(leftover), leftover + " must not be in the image");
    assertFalse(byPath(release).containsKey(leftover.split("/")[0] + "/x"));
  }

  @Test
  void aDirectoryAndItsTarballGiveTheSameStoredFilesWhateverTheMtimesAndUmask() throws Exception {
    Path dir = work.resolve("elsewhere/demo");
    Files.createDirectories(dir);
    Process tar = new ProcessBuilder("sh", "-c", "umask 077 && tar -xzf \"$0\" -C \"$1\"",
        Testdata.demoTarball().toString(), dir.toString()).inheritIO().start();
    assertEquals(0, tar.waitFor());
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.toList()) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_234_567_000L));
      }
    }
    assertEquals(read(Testdata.demoTarball()).files(), read(dir).files());
  }

  @Test
  void aTarballReadTwiceIsUnpackedOnce() throws Exception {
    Path state = work.resolve("state");
    Release first = readKeeping(state, Testdata.demoTarball());
    List<Path> units = list(cache.resolve("units"));
    Path index = state.resolve("tarballs").resolve(Sha256.of(Testdata.demoTarball()));
    FileTime indexed = Files.getLastModifiedTime(index);
    Release second = readKeeping(state, Testdata.demoTarball());
    assertEquals(first.files(), second.files());
    assertEquals(units, list(cache.resolve("units")));
    assertEquals(List.of(), list(cache.resolve("tmp")), "no staging left behind");
    assertEquals(indexed, Files.getLastModifiedTime(index), "read through its index");
    assertEquals(1, list(state.resolve("tarballs/by-identity")).size(), "hashed once");
  }

  /**
   * Whoever can write the shared cache must not be able to say what a tarball holds: a planted
   * index would name units of their making, each consistent with its digest. The index lives in
   * this user's private state, and one there that others could have written is not believed.
   */
  @Test
  void whatATarballHoldsIsKeptInPrivateStateAndBelievedOnlyFromThere() throws Exception {
    Path state = work.resolve("state");
    Path demo = Testdata.demoTarball();
    Path relx = Testdata.root().resolve("kinds/relx.tar.gz");
    readKeeping(state, demo);
    readKeeping(state, relx);
    assertFalse(Files.exists(cache.resolve("tarballs")), "nothing about tarballs in the cache");
    Path demoIndex = state.resolve("tarballs").resolve(Sha256.of(demo));
    Path relxIndex = state.resolve("tarballs").resolve(Sha256.of(relx));

    // as a cache entry (where relpack kept it before): ignored
    Files.createDirectories(cache.resolve("tarballs"));
    Files.copy(relxIndex, cache.resolve("tarballs").resolve(Sha256.of(demo)));
    assertEquals("demo", readKeeping(work.resolve("fresh-state"), demo).name());

    // in the private state, but writable by others: ignored, and the tarball unpacked again
    Files.copy(relxIndex, demoIndex, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(demoIndex,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    assertEquals("demo", readKeeping(state, demo).name());
    // the same index, private: believed (which is why only this user may write there)
    Files.setPosixFilePermissions(demoIndex,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.copy(relxIndex, demoIndex, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertEquals("api", readKeeping(state, demo).name());
  }

  @Test
  void aStateDirectoryThatCannotBeWrittenCostsTimeNotTheBuild() throws Exception {
    Path state = Files.writeString(work.resolve("not-a-directory"), "a file");
    assertEquals("demo", readKeeping(state, Testdata.demoTarball()).name());
    assertEquals("demo", readKeeping(state, Testdata.demoTarball()).name());
  }

  private Release readKeeping(Path state, Path input) {
    return new ReleaseReader(cache, java.util.Optional.of(state), ExtractionLimits.DEFAULT,
        warning -> {}).read(input);
  }

  @Test
  void aTarballReplacedAtTheSamePathIsReadAfresh() throws Exception {
    Path tarball = work.resolve("release.tar.gz");
    Files.copy(Testdata.root().resolve("kinds/relx.tar.gz"), tarball);
    assertEquals("api", read(tarball).name());
    Files.copy(Testdata.root().resolve("kinds/exrm.tar.gz"), tarball,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertEquals("legacy", read(tarball).name());
  }

  @Test
  void aTarballWhoseUnitsWereDeletedIsUnpackedAgain() throws Exception {
    Release first = read(Testdata.demoTarball());
    dev.relpack.io.FileTrees.deleteRecursively(cache.resolve("units"));
    Release again = read(Testdata.demoTarball());
    assertEquals(first.files(), again.files());
    assertTrue(again.files().stream().allMatch(f -> Files.exists(f.source())));
  }

  @Test
  void anAppChangeStoresOnlyThatAppAgain() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Release before = read(copy);
    Files.writeString(copy.resolve("lib/api-3.1.0/ebin/api_mod.beam"), "changed\n");
    Release after = read(copy);
    Map<String, ReleaseFile> was = byPath(before);
    for (ReleaseFile file : after.files()) {
      boolean inChangedApp = file.path().startsWith("lib/api-3.1.0");
      assertEquals(!inChangedApp, was.get(file.path()).source().equals(file.source()), file.path());
    }
  }

  @Test
  void plainFilesDirectlyUnderLibAreKept() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Files.writeString(copy.resolve("lib/README"), "notes\n");
    Files.writeString(copy.resolve("lib/extra-1.0.ez"), "an archived application\n");
    Map<String, ReleaseFile> files = byPath(read(copy));
    assertEquals("notes\n", Files.readString(files.get("lib/README").source()));
    assertEquals("an archived application\n", Files.readString(files.get("lib/extra-1.0.ez").source()));
    assertEquals(List.of(), list(cache.resolve("tmp")), "no staging left behind");
  }

  @Test
  void anUnpackedTarballsLeftoversAreDeletedNotMovedIntoTheStore() throws Exception {
    Path dir = Testdata.kind("distillery");
    List<String> warnings = new java.util.ArrayList<>();
    ReleaseReader reader = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warnings::add);
    Release fromTar = reader.read(tarOf(dir));
    Path releases = byPath(fromTar).get("releases").source();
    assertFalse(Files.exists(releases.resolve("0.2.0/shop.tar.gz")), "moved with its unit");
    assertTrue(Files.isRegularFile(releases.resolve("0.2.0/shop.rel")));
    assertEquals(List.of(), list(cache.resolve("tmp")), "no staging left behind");
    // the directory finds the same units in the store, and finds them matching their digests
    assertEquals(fromTar.files(), reader.read(dir).files());
    assertEquals(List.of(), warnings);
  }

  @Test
  void theUnitsOfAnUnpackedTarballAndTheCopiesOfADirectoryAreSealedAsTheyAreStored()
      throws Exception {
    Path seals = work.resolve("state/unit-seals");
    readKeeping(work.resolve("state"), Testdata.demoTarball());
    dev.relpack.io.TreeSeals look = new dev.relpack.io.TreeSeals(java.util.Optional.of(seals));
    List<Path> units = list(cache.resolve("units"));
    assertFalse(units.isEmpty());
    for (Path unit : units) {
      // written by this user alone (a umask that lets the group write leaves them unsealed)
      assertEquals(!writableByOthers(unit), look.isSealed(unit.getFileName().toString(), unit),
          unit.toString());
    }

    Path otherCache = work.resolve("other-cache");
    Path otherSeals = work.resolve("other-state/unit-seals");
    new ReleaseReader(otherCache, java.util.Optional.of(work.resolve("other-state")),
        ExtractionLimits.DEFAULT, warning -> {}).read(Testdata.kind("distillery"));
    dev.relpack.io.TreeSeals other =
        new dev.relpack.io.TreeSeals(java.util.Optional.of(otherSeals));
    List<Path> copied = list(otherCache.resolve("units"));
    assertFalse(copied.isEmpty());
    for (Path unit : copied) {
      // each copy hashed as it was written, and its digest the source's
      assertEquals(!writableByOthers(unit), other.isSealed(unit.getFileName().toString(), unit),
          "a copy is what was hashed: " + unit);
    }
  }

  private static boolean writableByOthers(Path tree) throws IOException {
    try (Stream<Path> walk = Files.walk(tree)) {
      for (Path path : walk.toList()) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> modes =
            Files.getPosixFilePermissions(path, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (modes.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
            || modes.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void aChangedUnitMetWhileUnpackingIsReportedAndReplacedByTheUnpackedOne() throws Exception {
    Release first = read(Testdata.demoTarball());
    Path beam = first.files().stream().filter(f -> f.path().endsWith("ebin/demo.app"))
        .findFirst().orElseThrow().source();
    String genuine = Files.readString(beam);
    Files.writeString(beam, "planted");
    List<String> warnings = new java.util.ArrayList<>();
    Release again = new ReleaseReader(cache, ExtractionLimits.DEFAULT, warnings::add)
        .read(Testdata.demoTarball());
    assertEquals(first.files(), again.files());
    assertEquals(genuine, Files.readString(beam));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(beam.getParent().getParent().getFileName().toString()),
        warnings.get(0));
    assertEquals(List.of(), list(cache.resolve("tmp")), "no staging left behind");
  }

  @Test
  void twoUnitsWithTheSameContentInOneTarballShareOneStoredDirectory() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Trees.copy(copy.resolve("lib/api-3.1.0"), copy.resolve("lib/twin-3.1.0"));
    Map<String, ReleaseFile> files = byPath(read(tarOf(copy)));
    assertEquals(files.get("lib/api-3.1.0").source(), files.get("lib/twin-3.1.0").source());
    assertTrue(Files.isRegularFile(files.get("lib/twin-3.1.0/ebin/api_mod.beam").source()));
    assertEquals(List.of(), list(cache.resolve("tmp")), "no staging left behind");
  }

  @Test
  void stagingLeftByKilledBuildsIsSweptOnceItIsADayOld() throws Exception {
    Path old = Files.createDirectories(cache.resolve("tmp/left-by-a-killed-build"));
    Path recent = Files.createDirectories(cache.resolve("tmp/another-build-running-now"));
    Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() - 2 * 86_400_000L));
    read(Testdata.demoTarball());
    assertFalse(Files.exists(old));
    assertTrue(Files.exists(recent));
  }

  @Test
  void aTarballWithTheSameIdentityIsTrustedNotHashedAgain() throws Exception {
    // path, size, mtime and inode unchanged: relpack takes the remembered digest, like git's index
    Path tarball = work.resolve("release.tar.gz");
    Files.copy(Testdata.root().resolve("kinds/relx.tar.gz"), tarball);
    Path state = work.resolve("state");
    Release first = readKeeping(state, tarball);
    FileTime mtime = Files.getLastModifiedTime(tarball);
    byte[] bytes = Files.readAllBytes(tarball);
    try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(tarball.toFile(), "rw")) {
      file.seek(bytes.length - 1);
      file.write(bytes[bytes.length - 1] ^ 1); // same inode, same size
    }
    Files.setLastModifiedTime(tarball, mtime);
    assertEquals(first.files(), readKeeping(state, tarball).files());
  }

  @Test
  void namesWithControlCharactersAreRefused() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Files.writeString(copy.resolve("lib/api-3.1.0/ebin/bad\nname.beam"), "x");
    BadInputException e = assertThrows(BadInputException.class, () -> read(copy));
    assertTrue(e.getMessage().contains("control character"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void aVersionOrNameThatIsNotOnePathComponentIsRefused() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Files.writeString(copy.resolve("releases/start_erl.data"), "13.1.5 ../3.1.0");
    BadInputException e = assertThrows(BadInputException.class, () -> read(copy));
    assertTrue(e.getMessage().contains("should hold \"ERTS_VSN REL_VSN\""), e.getMessage());
    assertFalse(e.getMessage().contains("../"), "the file's content is not echoed: " + e.getMessage());
  }

  @Test
  void aStartErlDataLinkedOutsideTheReleaseIsNotRead() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Path secret = work.resolve("secret.txt");
    Files.writeString(secret, "s3cr3t-value v");
    Files.delete(copy.resolve("releases/start_erl.data"));
    Files.createSymbolicLink(copy.resolve("releases/start_erl.data"), secret);
    BadInputException e = assertThrows(BadInputException.class, () -> read(copy));
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
  }

  @Test
  void aSymlinkEscapingToNothingIsRefusedAsEscapingWhereverTheReleaseLies() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Files.createSymbolicLink(copy.resolve("lib/gone"), Path.of("../../no-such-dir-" + copy.hashCode()));
    BadInputException e = assertThrows(BadInputException.class, () -> read(copy));
    assertTrue(e.getMessage().contains("points outside the release"), e.getMessage());
  }

  @Test
  void aSymlinkWhoseTextLeavesButWhichResolvesInsideIsKept() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Files.createDirectories(copy.resolve("releases/x/y"));
    Files.writeString(copy.resolve("releases/x/note.txt"), "inside");
    Files.createSymbolicLink(copy.resolve("bin/deep"), Path.of("../releases/x/y"));
    // by its text bin/deep/../../.. is above the release; through bin/deep it is the release
    Files.createSymbolicLink(copy.resolve("bin/up"), Path.of("deep/../../../releases/x/note.txt"));
    assertEquals("inside", Files.readString(byPath(read(copy)).get("bin/up").source()));
  }

  @Test
  void symlinksInsideTheReleaseBecomeCopies() throws Exception {
    Path copy = copyOf(Testdata.kind("relx"));
    Files.createSymbolicLink(copy.resolve("releases/3.1.0/vm.args.link"), Path.of("vm.args"));
    ReleaseFile link = byPath(read(copy)).get("releases/3.1.0/vm.args.link");
    assertFalse(Files.isSymbolicLink(link.source()));
    assertEquals(Files.readString(copy.resolve("releases/3.1.0/vm.args")), Files.readString(link.source()));
  }

  @Test
  void aFifoLeftInTmpByADaemonIsIgnoredButOneElsewhereIsRefused() throws Exception {
    Path copy = copyOf(Testdata.kind("mix-umbrella"));
    mkfifo(copy.resolve("tmp/pipe"));
    assertEquals("platform", read(copy).name());
    mkfifo(copy.resolve("releases/pipe"));
    BadInputException e = assertThrows(BadInputException.class, () -> read(copy));
    assertTrue(e.getMessage().contains("releases/pipe is a device, fifo or socket"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mix.exs", "rebar.config"})
  void aProjectGivenAsTheReleaseIsToldToUseProjectDir(String project) throws IOException {
    Path dir = Files.createDirectories(work.resolve("project"));
    Files.writeString(dir.resolve(project), "% a project\n");
    Files.createDirectories(dir.resolve("lib"));
    BadInputException e = assertThrows(BadInputException.class, () -> read(dir));
    assertTrue(e.getMessage().endsWith(" is a project (it has " + project + "), not a release:"
        + " name it with {project-dir} (relpack then makes its release), or give the release it"
        + " made with {release} (_build/prod/rel/NAME)"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "not-a-release | is not a release: it has no releases/ directory",
      "no-rel-file | has neither releases/start_erl.data nor a releases/VSN/NAME.rel",
      "bad-rel-syntax | releases/0.1.0/tiny.rel line 2: expected",
      "unknown-kind | cannot tell which tool built it",
      "escaping-symlink | symlink lib -> ../../../../../etc points outside the release",
      "dangling-symlink | symlink lib -> nowhere/at/all points to nothing",
      "not-a-release.tar.gz | is not a release",
      "not-a-tar.tar.gz | it is not a readable tar or tar.gz archive",
      "truncated.tar.gz | is not a readable tar",
      "dotdot.tar.gz | contains '..' and could write outside the release",
      "absolute.tar.gz | has an absolute path",
      "symlink-escape.tar.gz | points outside the release",
      "symlink-absolute.tar.gz | points outside the release",
      "symlink-chain.tar.gz | resolves outside the release",
      "through-symlink.tar.gz | is reached through the symlink lib/dir",
      "hardlink-escape.tar.gz | contains '..'",
      "device.tar.gz | is a device, fifo or other special file",
      "fifo.tar.gz | is a device, fifo or other special file",
      "bomb.tar.gz | refusing what looks like a decompression bomb"})
  void refusesBadInputWithAMessageNamingItAndLeavesNothingBehind(String fixture, String expected)
      throws IOException {
    Path input = Testdata.bad(fixture);
    BadInputException e = assertThrows(BadInputException.class, () -> read(input));
    assertTrue(e.getMessage().contains(input.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(expected.trim()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertEquals(List.of(), list(cache.resolve("tmp")), "no staging left behind");
    assertEquals(List.of(), list(cache.resolve("units")), "nothing stored");
    assertFalse(Files.exists(Path.of("/tmp/relpack-escaped")));
    assertFalse(Files.exists(cache.getParent().resolve("escaped")));
  }

  @Test
  void saysWhenTheReleaseDoesNotExist() {
    BadInputException e = assertThrows(BadInputException.class, () -> read(work.resolve("nope")));
    assertTrue(e.getMessage().startsWith("release not found: " + work.resolve("nope")), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void entryAndByteLimitsAreEnforced(int entries) {
    ExtractionLimits tight = new ExtractionLimits(1 << 20, entries);
    BadInputException e = assertThrows(BadInputException.class,
        () -> new ReleaseReader(cache, tight, warning -> {}).read(Testdata.root().resolve("kinds/relx.tar.gz")));
    assertTrue(e.getMessage().contains("more than " + entries + " entries"), e.getMessage());
    ExtractionLimits small = new ExtractionLimits(1000, 1000);
    e = assertThrows(BadInputException.class,
        () -> new ReleaseReader(cache, small, warning -> {}).read(Testdata.kind("relx")));
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }

  /** The directory packed as a release tarball is, its content at the top. */
  private Path tarOf(Path dir) throws Exception {
    Path tarball = work.resolve(dir.getFileName() + "-packed.tar.gz");
    assertEquals(0, new ProcessBuilder("tar", "-czf", tarball.toString(), "-C", dir.toString(), ".")
        .inheritIO().start().waitFor());
    return tarball;
  }

  private Path copyOf(Path fixture) throws IOException {
    return Trees.copy(fixture, work.resolve("copy-" + fixture.getFileName()));
  }

  private static void mkfifo(Path path) throws Exception {
    Files.createDirectories(path.getParent());
    assertEquals(0, new ProcessBuilder("mkfifo", path.toString()).start().waitFor());
  }

  private static Map<String, ReleaseFile> byPath(Release release) {
    return release.files().stream().collect(
        java.util.stream.Collectors.toMap(ReleaseFile::path, f -> f));
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children.sorted().toList();
    }
  }
}
