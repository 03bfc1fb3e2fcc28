package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the launcher takes the archive lying beside the jar, and when it must not. */
class PackagedArchiveTest {
  @TempDir
  Path dir;
  private Path jar;
  private Path archive;
  private Path record;

  @BeforeEach
  void archiveBesideJar() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    jar = dir.resolve("relpack.jar");
    Files.write(jar, new byte[] {1, 2, 3});
    archive = dir.resolve("relpack.jsa");
    Files.write(archive, new byte[] {4, 5, 6, 7});
    record = dir.resolve("relpack.jsa.id");
    PackagedArchive.writeRecord(archive, jar, record);
  }

  @Test
  void madeForThisJdkAndJarIsTaken() {
    assertEquals(Optional.of(archive), PackagedArchive.beside(jar, List.of()));
  }

  @Test
  void namedAfterTheJar() {
    assertEquals(dir.resolve("relpack-1.2.jsa"), PackagedArchive.archiveFor(dir.resolve("relpack-1.2.jar")));
  }

  @Test
  void aJarChangedSinceIsNotMatched() throws Exception {
    Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000L));
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "the jar's mtime changed");
  }

  @Test
  void aJarElsewhereIsNotMatched() throws Exception {
    Path copy = Files.createDirectory(dir.resolve("elsewhere")).resolve("relpack.jar");
    Files.copy(jar, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(archive, dir.resolve("elsewhere/relpack.jsa"));
    Files.copy(record, dir.resolve("elsewhere/relpack.jsa.id"));
    assertTrue(PackagedArchive.beside(copy, List.of()).isEmpty(), "recorded for another path");
  }

  @Test
  void aDamagedArchiveIsNotTaken() throws Exception {
    Files.write(archive, new byte[] {4, 5, 6, 8});
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "not the file recorded");
  }

  @Test
  void anArchiveWrittenAgainInPlaceIsNotTakenEvenWithItsSizeAndMtimeKept() throws Exception {
    FileTime mtime = Files.getLastModifiedTime(archive);
    byte[] bytes = Files.readAllBytes(archive);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
    Files.write(archive, bytes);
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("r--r--r--"));
    Files.setLastModifiedTime(archive, mtime);
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "its ctime changed");
  }

  @Test
  void notWithTheUsersOwnJvmOptions() {
    assertTrue(PackagedArchive.beside(jar, List.of("-Xmx256m")).isEmpty(),
        "made for a JVM without options");
  }

  @Test
  void notFromADirectoryOthersCanWrite() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "anyone could have planted it");
  }

  @Test
  void notAnArchiveOthersCanWrite() throws Exception {
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-rw-r--"));
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "a group could have changed it");
  }

  @Test
  void notThroughASymlink() throws Exception {
    Path real = dir.resolve("real.jsa");
    Files.move(archive, real);
    Files.createSymbolicLink(archive, real);
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "a link may point anywhere");
  }

  @Test
  void notWithoutItsRecord() throws Exception {
    Files.delete(record);
    assertTrue(PackagedArchive.beside(jar, List.of()).isEmpty(), "nothing says what it is for");
  }
}
