package dev.relpack.publish;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TargetTest {
  @TempDir Path work;

  private static Target parse(String to, String... tags) {
    return Target.parse(to, List.of(tags));
  }

  @Test
  void registryReferenceKeepsItsTagFirstThenTheExtraTags() {
    RegistryTarget target = assertInstanceOf(RegistryTarget.class,
        parse("registry.example.com/group/app:1.0", "abc123", "stable"));
    assertEquals(List.of("1.0", "abc123", "stable"), target.tags());
    assertEquals("registry.example.com", target.image().getRegistry());
    assertEquals("group/app", target.image().getRepository());
    assertEquals("1.0", target.image().getTag().orElseThrow());
    assertEquals("registry.example.com/group/app:1.0", target.display());
  }

  @Test
  void registryReferenceWithoutTagTakesTheFirstExtraTagAndNoLatest() {
    RegistryTarget target = assertInstanceOf(RegistryTarget.class,
        parse("registry.example.com:5000/app", "v2", "edge"));
    assertEquals(List.of("v2", "edge"), target.tags());
    assertEquals("v2", target.image().getTag().orElseThrow());
    assertEquals("registry.example.com:5000/app:v2", target.display());
  }

  @Test
  void latestOnlyWhenNothingNamesATag() {
    assertEquals(List.of("latest"), parse("registry.example.com/app").tags());
    assertEquals(List.of("latest"), parse("tar:" + work.resolve("out.tar")).tags());
    assertEquals(List.of("latest"), parse("oci:" + work.resolve("layout")).tags());
    assertEquals(List.of("1.0"), parse("registry.example.com/app:1.0").tags());
    assertEquals(List.of("x"), parse("tar:out.tar", "x").tags());
  }

  @Test
  void extraTagsFollowTheOnesOfLocalTargets() {
    assertEquals(List.of("a", "b"), parse("tar:out.tar", "a", "b").tags());
    assertEquals(List.of("v1", "a"), parse("oci:layout:v1", "a").tags());
    assertEquals(List.of("a"), parse("oci:layout", "a").tags());
  }

  @Test
  void repeatedTagsAreListedOnce() {
    assertEquals(List.of("1.0", "edge"), parse("registry.example.com/app:1.0", "1.0", "edge", "edge").tags());
  }

  @Test
  void dockerHubShortNamesAreSpelledOut() {
    RegistryTarget target = assertInstanceOf(RegistryTarget.class, parse("demo"));
    assertEquals("registry-1.docker.io", target.image().getRegistry());
    assertEquals("library/demo", target.image().getRepository());
    assertEquals("registry-1.docker.io/library/demo:latest", target.display());
  }

  @Test
  void tarTargetIsADockerArchive() {
    ArchiveTarget target = assertInstanceOf(ArchiveTarget.class,
        parse("tar:build/out.tar", "1.0", "latest"));
    assertEquals(Path.of("build/out.tar"), target.file());
    assertEquals(List.of("1.0", "latest"), target.tags());
    assertEquals("tar:build/out.tar", target.display());
  }

  @Test
  void repositoryNameIsMadeValidFromAnyReleaseName() {
    assertEquals("demo", Target.repositoryName("demo"));
    assertEquals("my_app", Target.repositoryName("My_App"));
    assertEquals("shop-front-1", Target.repositoryName("Shop Front+1"));
    assertEquals("image", Target.repositoryName(""));
  }

  @Test
  void ociTargetTakesAnOptionalRefAfterTheLastColon() {
    LayoutTarget plain = assertInstanceOf(LayoutTarget.class, parse("oci:/srv/layout"));
    assertEquals(Path.of("/srv/layout"), plain.dir());
    assertEquals(List.of("latest"), plain.tags());
    assertEquals("oci:/srv/layout", plain.display());

    LayoutTarget withRef = assertInstanceOf(LayoutTarget.class,
        parse("oci:/srv/layout:v1", "extra"));
    assertEquals(Path.of("/srv/layout"), withRef.dir());
    assertEquals(List.of("v1", "extra"), withRef.tags());

    LayoutTarget relative = assertInstanceOf(LayoutTarget.class, parse("oci:layout:v2"));
    assertEquals(Path.of("layout"), relative.dir());
    assertEquals(List.of("v2"), relative.tags());

    // a colon inside the directory part is part of the path, not a ref
    LayoutTarget colonInDir = assertInstanceOf(LayoutTarget.class, parse("oci:/srv/a:b/layout"));
    assertEquals(Path.of("/srv/a:b/layout"), colonInDir.dir());
    assertEquals(List.of("latest"), colonInDir.tags());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "registry.example.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "registry.example.com/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
  void digestTargetsAreRefused(String to) {
    BadInputException e = assertThrows(BadInputException.class, () -> parse(to));
    assertTrue(e.getMessage().startsWith("{to} "), e.getMessage());
    assertTrue(e.getMessage().contains("digest"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-bad", ".bad", "has space", "a/b", "ü", ""})
  void invalidExtraTagsAreRefused(String tag) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("registry.example.com/app", tag));
    assertTrue(e.getMessage().startsWith("{tag} " + (tag.isEmpty() ? "\"\"" : tag) + " "),
        e.getMessage());
    assertTrue(tag.isEmpty() || e.getMessage().endsWith(ImageNames.TAG_RULE), e.getMessage());
  }

  @Test
  void tagLengthIsLimitedTo128() {
    String longest = "a".repeat(128);
    assertEquals(List.of(longest), parse("tar:out.tar", longest).tags());
    assertThrows(BadInputException.class, () -> parse("tar:out.tar", longest + "a"));
  }

  @Test
  void invalidTagsAreRefusedForEveryKindOfTarget() {
    assertThrows(BadInputException.class, () -> parse("tar:out.tar", "-x"));
    assertThrows(BadInputException.class, () -> parse("oci:layout", "-x"));
    BadInputException ref = assertThrows(BadInputException.class, () -> parse("oci:layout:-x"));
    assertTrue(ref.getMessage().contains("-x"), ref.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "tar:", "oci:", "Registry.Example.com/App", "a b", "app:bad tag"})
  void whatIsNoTargetIsRefusedNamingTheOption(String to) {
    BadInputException e = assertThrows(BadInputException.class, () -> parse(to));
    assertTrue(e.getMessage().startsWith("{to}"), e.getMessage());
  }

  @Test
  void nullTargetIsRefused() {
    assertThrows(BadInputException.class, () -> Target.parse(null, List.of()));
  }

  // --- checkWritable

  @Test
  void registryTargetsNeedNoLocalCheck() {
    assertDoesNotThrow(() -> parse("registry.example.com/app").checkWritable());
  }

  @Test
  void newFileOrDirectoryInAnExistingDirectoryIsWritable() throws Exception {
    assertDoesNotThrow(() -> parse("tar:" + work.resolve("out.tar")).checkWritable());
    Files.writeString(work.resolve("old.tar"), "replaced");
    assertDoesNotThrow(() -> parse("tar:" + work.resolve("old.tar")).checkWritable());
    assertDoesNotThrow(() -> parse("oci:" + work.resolve("layout")).checkWritable());
    Files.createDirectory(work.resolve("empty"));
    assertDoesNotThrow(() -> parse("oci:" + work.resolve("empty") + ":v1").checkWritable());
  }

  @Test
  void existingOciLayoutIsWritable() throws Exception {
    Path layout = Files.createDirectory(work.resolve("layout"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(layout.resolve("index.json"), "{}");
    assertDoesNotThrow(() -> parse("oci:" + layout + ":v2").checkWritable());
  }

  @Test
  void tarTargetInAMissingDirectoryIsRefused() {
    Path file = work.resolve("missing/out.tar");
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("tar:" + file).checkWritable());
    assertTrue(e.getMessage().contains("tar:" + file), e.getMessage());
    assertTrue(e.getMessage().contains(work.resolve("missing") + " does not exist"), e.getMessage());
    assertTrue(Files.notExists(work.resolve("missing")));
  }

  @Test
  void ociTargetInAMissingDirectoryIsRefused() {
    Path dir = work.resolve("missing/layout");
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("oci:" + dir + ":v1").checkWritable());
    assertTrue(e.getMessage().contains("oci:" + dir), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void tarTargetThatIsADirectoryIsRefused() throws Exception {
    Path dir = Files.createDirectory(work.resolve("out.tar"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("tar:" + dir).checkWritable());
    assertTrue(e.getMessage().contains("tar:" + dir), e.getMessage());
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
  }

  @Test
  void ociTargetThatIsAFileIsRefused() throws Exception {
    Path file = Files.writeString(work.resolve("layout"), "not a dir");
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("oci:" + file).checkWritable());
    assertTrue(e.getMessage().contains("oci:" + file), e.getMessage());
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
  }

  @Test
  void ociTargetThatIsANonEmptyNonLayoutDirectoryIsRefused() throws Exception {
    Path dir = Files.createDirectory(work.resolve("stuff"));
    Files.writeString(dir.resolve("notes.txt"), "mine");
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("oci:" + dir + ":v1").checkWritable());
    assertTrue(e.getMessage().contains("oci:" + dir), e.getMessage());
    assertTrue(e.getMessage().contains("not an OCI layout"), e.getMessage());
    assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
  }

  @Test
  void checkWritableMessagesNameTheOption() throws Exception {
    Path dir = Files.createDirectory(work.resolve("out.tar"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("tar:" + dir).checkWritable());
    assertTrue(e.getMessage().startsWith("{to} "), e.getMessage());
  }

  @Test
  void aBadTagInAReferenceIsNamedWithItsRule() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("registry.example.com/app:v1+build"));
    assertEquals("{to} registry.example.com/app:v1+build: the tag v1+build holds '+', which a tag"
        + " cannot; " + ImageNames.TAG_RULE, e.getMessage());
  }

  @Test
  void anUpperCaseRepositoryInAReferenceIsNamed() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("localhost:5000/Group/app:1"));
    assertTrue(e.getMessage().startsWith("{to} localhost:5000/Group/app:1: the repository"
        + " Group/app has upper-case letters in Group;"), e.getMessage());
  }

  @Test
  void aReferenceWithAnEmptyTagSaysSo() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("registry.example.com/app:"));
    assertTrue(e.getMessage().startsWith("{to} registry.example.com/app:: the tag after ':' is"
        + " empty"), e.getMessage());
  }

  @Test
  void anEmptyTagOptionSaysAVariableMayBeUnset() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("registry.example.com/app", ""));
    assertEquals("{tag} \"\" is empty (a CI variable that is not set in this job, perhaps)",
        e.getMessage());
  }

  @Test
  void aBadTagOptionNamesTheCharacter() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse("registry.example.com/app", "feature/x"));
    assertEquals("{tag} feature/x holds '/', which a tag cannot; " + ImageNames.TAG_RULE,
        e.getMessage());
  }
}
