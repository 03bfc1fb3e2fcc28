package dev.relpack.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The freshly built relpack laid out as Maven Central serves a release: under
 * {@code dev/relpack/relpack-maven-plugin/VERSION/}, the plugin's jar and pom, the runnable CLI
 * jar ({@code -cli.jar}) and the distribution archive ({@code -dist.tar.gz}), each with its
 * {@code .sha1} and {@code .sha256}. A job fetches from it with {@code file:} URLs exactly as
 * it would from {@code https://repo1.maven.org/maven2}.
 *
 * <p>A SNAPSHOT build is published as a snapshot deployment is: timestamped files and the
 * metadata naming them, for Maven; the plain names too, for the pipelines' curl.
 */
public final class PublishedRelpack {
  /** The artifacts a job may fetch, with their classifier and extension. */
  private static final List<String> SUFFIXES = List.of(".jar", ".pom", "-cli.jar", "-dist.tar.gz");

  private PublishedRelpack() {}

  /** Writes the repository under {@code root} and returns its {@code file:} URL (no slash). */
  public static String layOut(Path root) throws IOException {
    String version = MavenRun.version();
    Path dir = Files.createDirectories(root.resolve("dev/relpack/relpack-maven-plugin/" + version));
    String base = "relpack-maven-plugin-" + version;
    Path target = Path.of(System.getProperty("relpack.pluginJar", "target/" + base + ".jar"))
        .getParent();
    for (String suffix : SUFFIXES) {
      Path source = switch (suffix) {
        case ".pom" -> Path.of(System.getProperty("relpack.pom", "pom.xml"));
        case "-cli.jar" -> target.resolve("relpack.jar"); // what the build attaches as cli
        default -> target.resolve(base + suffix);
      };
      Path published = dir.resolve(base + suffix);
      Files.copy(source, published);
      Files.writeString(dir.resolve(base + suffix + ".sha1"), hex(published, "SHA-1"));
      Files.writeString(dir.resolve(base + suffix + ".sha256"), hex(published, "SHA-256"));
    }
    if (version.endsWith("-SNAPSHOT")) {
      publishSnapshotCopies(dir, version);
    }
    return root.toUri().toString().replaceAll("/$", "");
  }

  /**
   * Maven resolves a SNAPSHOT from a remote repository through the version's metadata, which
   * names timestamped files; a copy of each file under that name, beside the plain one that
   * curl fetches.
   */
  private static void publishSnapshotCopies(Path dir, String version) throws IOException {
    String stamp = "20260101.000000";
    String timestamped = version.replace("-SNAPSHOT", "-" + stamp + "-1");
    StringBuilder versions = new StringBuilder();
    for (String suffix : SUFFIXES) {
      int dot = suffix.indexOf('.');
      String classifier = suffix.substring(0, dot).replaceFirst("^-", "");
      String extension = suffix.substring(dot + 1);
      for (String checksum : List.of("", ".sha1", ".sha256")) {
        Files.copy(dir.resolve("relpack-maven-plugin-" + version + suffix + checksum),
            dir.resolve("relpack-maven-plugin-" + timestamped + suffix + checksum));
      }
      versions.append("<snapshotVersion>")
          .append(classifier.isEmpty() ? "" : "<classifier>" + classifier + "</classifier>")
          .append("<extension>").append(extension).append("</extension><value>")
          .append(timestamped).append("</value><updated>20260101000000</updated></snapshotVersion>");
    }
    Path metadata = dir.resolve("maven-metadata.xml");
    Files.writeString(metadata, """
        <metadata modelVersion="1.1.0"><groupId>dev.relpack</groupId>
          <artifactId>relpack-maven-plugin</artifactId><version>%s</version>
          <versioning><snapshot><timestamp>%s</timestamp><buildNumber>1</buildNumber></snapshot>
            <lastUpdated>20260101000000</lastUpdated>
            <snapshotVersions>%s</snapshotVersions></versioning>
        </metadata>
        """.formatted(version, stamp, versions));
    Files.writeString(dir.resolve("maven-metadata.xml.sha1"), hex(metadata, "SHA-1"));
  }

  private static String hex(Path file, String algorithm) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance(algorithm);
      byte[] buffer = new byte[65536];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
