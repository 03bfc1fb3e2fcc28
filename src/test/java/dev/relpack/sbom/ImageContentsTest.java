package dev.relpack.sbom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.io.Sha256;
import dev.relpack.sbom.SbomComponent.Kind;
import dev.relpack.sbom.SbomComponent.Property;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageContentsTest {
  @TempDir Path work;

  private Sbom image() throws Exception {
    return SbomFixture.contents(work).ofImage(SbomFixture.DIGEST,
        Optional.of(SbomFixture.debianBase()), SbomFixture.noDates(), "0.1.0");
  }

  private static Map<String, SbomComponent> byName(Sbom sbom, Kind kind) {
    return sbom.components().stream().filter(c -> c.kind() == kind)
        .collect(Collectors.toMap(SbomComponent::name, Function.identity()));
  }

  private static List<String> values(SbomComponent component, String property) {
    return component.properties().stream().filter(p -> p.name().equals(property))
        .map(Property::value).toList();
  }

  @Test
  void everyApplicationOfTheRelWithItsVersionPurlAndWhoseItIs() throws Exception {
    Sbom sbom = image();
    assertEquals("shop", sbom.subject().name());
    assertEquals(Optional.of("1.0.0"), sbom.subject().version());
    Map<String, SbomComponent> apps = byName(sbom, Kind.LIBRARY);
    Map<String, String> purls = apps.entrySet().stream().filter(e -> !e.getValue().purl()
        .orElseThrow().startsWith("pkg:deb/")).collect(Collectors.toMap(Map.Entry::getKey,
            e -> e.getValue().purl().orElseThrow()));
    assertEquals(Map.of(
        "kernel", "pkg:otp/kernel@8.5.3",
        "crypto", "pkg:otp/crypto@5.1.2?arch=amd64&platform=linux",
        "jason", "pkg:hex/jason@1.4.1",
        "sauce", "pkg:hex/acme/secret_sauce@2.0.0",
        "stale", "pkg:otp/stale@1.0.0",
        "tool", "pkg:otp/tool@0.3.0",
        "shop", "pkg:otp/shop@1.0.0?arch=amd64&platform=linux"), purls,
        "Hex only where mix.lock locks that version; a NIF's app says its platform");
    assertEquals(List.of("otp"), values(apps.get("kernel"), "relpack:layer"));
    assertEquals(List.of("deps"), values(apps.get("jason"), "relpack:layer"));
    assertEquals(List.of("app"), values(apps.get("shop"), "relpack:layer"));
    assertEquals(List.of("secret_sauce"), values(apps.get("sauce"), "relpack:hex:package"));
    assertEquals(List.of("false"), values(apps.get("tool"), "relpack:otp:started"));
    assertEquals(List.of("Apache-2.0"), apps.get("jason").licenses());
    SbomComponent erts = byName(sbom, Kind.PLATFORM).get("erts");
    assertEquals(Optional.of("13.1.5"), erts.version());
    assertEquals(Optional.of("pkg:otp/erts@13.1.5?arch=amd64&platform=linux"), erts.purl());
  }

  @Test
  void nativeCodeWithItsDigestAndTheLibrariesItLinks() throws Exception {
    Map<String, SbomComponent> files = byName(image(), Kind.FILE);
    SbomComponent nif = files.get("/app/lib/shop-1.0.0/priv/shop_nif.so");
    assertEquals(Optional.of(Sha256.of(work.resolve("release/lib/shop-1.0.0/priv/shop_nif.so"))),
        nif.sha256());
    assertFalse(values(nif, "relpack:elf:needed").isEmpty());
    assertEquals(values(nif, "relpack:elf:needed").stream().sorted().toList(),
        values(nif, "relpack:elf:needed"));
    assertTrue(files.containsKey("/app/erts-13.1.5/bin/beam.smp"));
    assertTrue(files.containsKey("/app/lib/crypto-5.1.2/priv/lib/crypto.so"));
    assertFalse(files.keySet().stream().anyMatch(f -> f.endsWith(".app") || f.endsWith("/shop")),
        "only ELF files");
    assertFalse(files.containsKey("/app/lib/shop-1.0.0/ebin/Elixir.Shop.Nif.beam"),
        "a BEAM module, whatever its bytes");
  }

  @Test
  void theBaseItsOsItsPackagesAndTheFilesNoPackageOwns() throws Exception {
    Sbom sbom = image();
    SbomComponent base = byName(sbom, Kind.CONTAINER).get("debian:12-slim");
    assertEquals(Optional.of("pkg:oci/debian@sha256%3A" + SbomFixture.OTHER_DIGEST.substring(7)
        + "?repository_url=docker.io/library/debian"), base.purl());
    assertEquals(Optional.of(SbomFixture.OTHER_DIGEST.substring(7)), base.sha256());
    SbomComponent os = byName(sbom, Kind.OPERATING_SYSTEM).get("debian");
    assertEquals(Optional.of("12"), os.version());
    assertEquals(Optional.of("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"),
        byName(sbom, Kind.LIBRARY).get("libssl3").purl());
    assertEquals(List.of("openssl"),
        values(byName(sbom, Kind.LIBRARY).get("libssl3"), "relpack:os:source-package"));
    SbomComponent unowned = byName(sbom, Kind.FILE).get("/usr/lib/x86_64-linux-gnu/libhand.so.1");
    assertEquals(List.of("none"), values(unowned, "relpack:os:package"));
  }

  @Test
  void componentsAreSortedAndTheSameInputsGiveTheSameBytes() throws Exception {
    Sbom first = image();
    List<String> refs = first.components().stream().map(SbomComponent::ref).toList();
    assertEquals(refs.stream().sorted().toList(), refs);
    Path again = Files.createDirectories(work.resolve("again"));
    Sbom second = SbomFixture.contents(again).ofImage(SbomFixture.DIGEST,
        Optional.of(SbomFixture.debianBase()), Map.of(), "0.1.0");
    for (SbomFormat format : SbomFormat.values()) {
      assertArrayEquals(format.write(first), format.write(second), format.key());
    }
  }

  @Test
  void nativeCodeReadAheadGivesTheSameDocumentAsReadingItThen() throws Exception {
    Sbom then = image();
    ImageContents ahead = SbomFixture.contents(Files.createDirectories(work.resolve("ahead")));
    ahead.readAhead();
    Sbom read = ahead.ofImage(SbomFixture.DIGEST, Optional.of(SbomFixture.debianBase()),
        SbomFixture.noDates(), "0.1.0");
    for (SbomFormat format : SbomFormat.values()) {
      assertArrayEquals(format.write(then), format.write(read), format.key());
    }
  }

  @Test
  void aFileWhoseDigestIsKnownIsNotHashedAgain() throws Exception {
    Path dir = Files.createDirectories(work.resolve("known"));
    String known = "0".repeat(64);
    ImageContents knowing = SbomFixture.contents(dir,
        file -> file.endsWith("lib/shop-1.0.0/priv/shop_nif.so") ? Optional.of(known)
            : Optional.empty());
    Map<String, SbomComponent> files = byName(knowing.ofImage(SbomFixture.DIGEST,
        Optional.empty(), SbomFixture.noDates(), "0.1.0"), Kind.FILE);
    assertEquals(Optional.of(known), files.get("/app/lib/shop-1.0.0/priv/shop_nif.so").sha256());
    assertEquals(Optional.of(dev.relpack.io.Sha256.of(
        dir.resolve("release/lib/crypto-5.1.2/priv/lib/crypto.so"))),
        files.get("/app/lib/crypto-5.1.2/priv/lib/crypto.so").sha256());
  }

  @Test
  void nativeCodeTheReadAheadCouldNotReadFailsTheDocumentAsReadingItThenWould() throws Exception {
    Path dir = Files.createDirectories(work.resolve("gone"));
    ImageContents contents = SbomFixture.contents(dir);
    Files.delete(dir.resolve("release/lib/shop-1.0.0/priv/shop_nif.so"));
    contents.readAhead();
    assertThrows(java.nio.file.NoSuchFileException.class, () -> contents.ofImage(
        SbomFixture.DIGEST, Optional.empty(), SbomFixture.noDates(), "0.1.0"));
  }

  @Test
  void theSerialNumberIsTheImagesAndTheTimestampTheSourceDate() throws Exception {
    ImageContents contents = SbomFixture.contents(work);
    Sbom sbom = contents.ofImage(SbomFixture.DIGEST, Optional.empty(),
        Map.of("SOURCE_DATE_EPOCH", "1704067200"), "0.1.0");
    assertEquals(SerialNumber.ofImage(SbomFixture.DIGEST), sbom.serialNumber());
    assertEquals(Optional.of(Instant.parse("2024-01-01T00:00:00Z")), sbom.timestamp());
    assertEquals(Optional.of(SbomFixture.DIGEST), sbom.imageDigest());
    assertNotEquals(sbom.serialNumber(), contents.ofImage(SbomFixture.OTHER_DIGEST,
        Optional.empty(), Map.of(), "0.1.0").serialNumber());
    assertTrue(sbom.components().stream().noneMatch(c -> c.kind() == Kind.CONTAINER),
        "scratch: no base");
  }

  @Test
  void withoutAnImageTheSerialNumberFollowsTheReleasesContent() throws Exception {
    ImageContents contents = SbomFixture.contents(work);
    Sbom before = contents.ofRelease(Map.of(), "0.1.0");
    assertEquals(before.serialNumber(), contents.ofRelease(Map.of(), "0.1.0").serialNumber());
    assertEquals(Optional.empty(), before.imageDigest());
    Files.writeString(work.resolve("release/lib/shop-1.0.0/ebin/shop.app"),
        "{application,shop,[{vsn,\"changed\"}]}.\n");
    assertNotEquals(before.serialNumber(), contents.ofRelease(Map.of(), "0.1.0").serialNumber(),
        "one changed byte of the release, another document");
  }
}
