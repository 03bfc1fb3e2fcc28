package dev.relpack.sbom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.packageurl.PackageURL;
import dev.relpack.base.OsInventory.OsPackage;
import dev.relpack.base.OsInventory.OsRelease;
import dev.relpack.base.OsInventory.PackageKind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PurlTest {
  private static final Optional<OsRelease> BOOKWORM =
      Optional.of(new OsRelease("debian", Optional.of("12"), Optional.empty()));
  private static final Optional<OsRelease> ALPINE =
      Optional.of(new OsRelease("alpine", Optional.of("3.20.3"), Optional.empty()));

  private static OsPackage deb(String name, String version) {
    return new OsPackage(PackageKind.DPKG, name, version, "amd64", Optional.empty(),
        Optional.empty());
  }

  @Test
  void osPackagesAsTrivyNamesThem() {
    assertEquals("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
        Purl.os(deb("libssl3", "3.0.11-1~deb12u2"), BOOKWORM));
    assertEquals("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=3.20.3",
        Purl.os(new OsPackage(PackageKind.APK, "musl", "1.2.5-r0", "x86_64", Optional.empty(),
            Optional.of("MIT")), ALPINE));
    assertEquals("pkg:deb/ubuntu/libc6@2.39-0ubuntu8?arch=amd64&distro=ubuntu-24.04",
        Purl.os(deb("libc6", "2.39-0ubuntu8"),
            Optional.of(new OsRelease("ubuntu", Optional.of("24.04"), Optional.empty()))));
    assertEquals("pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1%2Bb1?arch=amd64",
        Purl.os(deb("zlib1g", "1:1.2.13.dfsg-1+b1"),
            Optional.of(new OsRelease("debian", Optional.empty(), Optional.empty()))),
        "an epoch's ':' and a '+' are percent-encoded; a rolling release has no distro");
  }

  @Test
  void beamPurls() {
    assertEquals("pkg:otp/erts@13.1.5?arch=amd64&platform=linux",
        Purl.otp("erts", "13.1.5", Optional.of("amd64")));
    assertEquals("pkg:otp/stdlib@4.2", Purl.otp("stdlib", "4.2", Optional.empty()));
    assertEquals("pkg:hex/acme/secret_sauce@2.0.0",
        Purl.hex(Optional.of("acme"), "secret_sauce", "2.0.0"));
    assertEquals("pkg:oci/debian@sha256%3Aabc?repository_url=registry.example.com/library/debian",
        Purl.oci("registry.example.com/library/debian", "sha256:abc"));
    assertEquals("pkg:oci/debian@sha256%3Aabc?repository_url=docker.io/library/debian",
        Purl.oci("registry-1.docker.io/library/debian", "sha256:abc"), "as users name Docker Hub");
  }

  /** A second, independent reader: packageurl-java reads each back to the same parts. */
  @Test
  void packageUrlJavaReadsEachBack() throws Exception {
    OsPackage odd = deb("libstdc++6", "1:12.2.0-14+deb12u1");
    PackageURL deb = new PackageURL(Purl.os(odd, BOOKWORM));
    assertEquals(List.of("deb", "debian", "libstdc++6", "1:12.2.0-14+deb12u1"),
        List.of(deb.getType(), deb.getNamespace(), deb.getName(), deb.getVersion()));
    assertEquals("debian-12", deb.getQualifiers().get("distro"));
    PackageURL oci = new PackageURL(Purl.oci("registry.example.com:5000/team/base", "sha256:ab"));
    assertEquals("sha256:ab", oci.getVersion());
    assertEquals("registry.example.com:5000/team/base", oci.getQualifiers().get("repository_url"));
    PackageURL otp = new PackageURL(Purl.otp("crypto", "5.1.2", Optional.of("arm64")));
    assertTrue(otp.isCanonicalEquals(new PackageURL(otp.canonicalize())));
    assertEquals("arm64", otp.getQualifiers().get("arch"));
  }
}
