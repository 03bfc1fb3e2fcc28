package dev.relpack.sbom;

import dev.relpack.release.ErlangTerm;
import dev.relpack.release.ErlangTermReader;
import dev.relpack.release.TermSyntaxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hex packages a mix project locks ({@code mix.lock}), by the application name they give
 * the release, with the licences each package's metadata names ({@code
 * deps/APP/hex_metadata.config}, written by Hex when it fetched the package). Git and path
 * dependencies are not Hex packages and are not here.
 */
public final class HexPackages {
  /**
   * One entry of mix.lock, on its line as mix writes it: {@code "app": {:hex, :package, "vsn",
   * "checksum", [:mix], [deps...], "hexpm", "checksum"},}. The package may be named apart from
   * the app, and may be quoted ({@code :"name"}).
   */
  private static final Pattern HEX_ENTRY = Pattern.compile(
      "^\\s*(?:%\\{\\s*)?\"([a-z_][a-zA-Z0-9_]*)\":\\s*\\{:hex,\\s*:\"?([a-zA-Z0-9_]+)\"?,\\s*\"([^\"]+)\"(.*)$",
      Pattern.MULTILINE);
  /** The repository, after the dependency list and before the outer checksum. */
  private static final Pattern REPO = Pattern.compile("\\],\\s*\"([^\"]+)\",\\s*\"[0-9a-fA-F]+\"\\}");
  private static final Pattern LICENSES =
      Pattern.compile("\\{<<\"licenses\">>,\\s*\\[[^\\]]*\\]\\}\\.");
  /** More than any mix.lock or hex_metadata.config needs; a larger file is not read. */
  static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  private HexPackages() {}

  /**
   * A Hex package as locked.
   *
   * @param app the OTP application it gives the release (mix.lock's key)
   * @param name the package's name on Hex
   * @param organisation the Hex organisation of a private package ({@code hexpm:ORG})
   * @param licenses as its hex_metadata.config names them; empty when it is not there
   */
  public record HexPackage(String app, String name, String version,
      Optional<String> organisation, List<String> licenses) {
    public HexPackage {
      licenses = List.copyOf(licenses);
    }

    public String purl() {
      return Purl.hex(organisation, name, version);
    }
  }

  /**
   * The Hex packages of the project in {@code projectDir}, by application name; none when it has
   * no mix.lock.
   *
   * @throws IOException when mix.lock is there but cannot be read
   */
  public static Map<String, HexPackage> read(Path projectDir) throws IOException {
    Map<String, HexPackage> packages = new TreeMap<>();
    Optional<String> lock = text(projectDir.resolve("mix.lock"));
    if (lock.isEmpty()) {
      return packages;
    }
    Matcher entry = HEX_ENTRY.matcher(lock.get());
    while (entry.find()) {
      String app = entry.group(1);
      Matcher repo = REPO.matcher(entry.group(4));
      Optional<String> organisation = repo.find() && repo.group(1).startsWith("hexpm:")
          ? Optional.of(repo.group(1).substring("hexpm:".length())) : Optional.empty();
      packages.put(app, new HexPackage(app, entry.group(2), entry.group(3), organisation,
          licenses(projectDir.resolve("deps").resolve(app).resolve("hex_metadata.config"))));
    }
    return packages;
  }

  /**
   * The {@code licenses} term of a hex_metadata.config, read alone: the rest of the file (its
   * description may be a {@code /utf8} binary) need not be terms relpack reads.
   */
  static List<String> licenses(Path metadata) throws IOException {
    Optional<String> text = text(metadata);
    if (text.isEmpty()) {
      return List.of();
    }
    Matcher term = LICENSES.matcher(text.get());
    if (!term.find()) {
      return List.of();
    }
    try {
      List<String> licenses = new ArrayList<>();
      ErlangTerm.Tuple tuple = (ErlangTerm.Tuple) ErlangTermReader.readAll(term.group()).get(0);
      for (ErlangTerm license : ((ErlangTerm.ListTerm) tuple.get(1)).elements()) {
        license.asText().filter(s -> !s.isBlank()).ifPresent(licenses::add);
      }
      return licenses;
    } catch (TermSyntaxException e) {
      return List.of(); // a licence name relpack cannot read is one it does not claim
    }
  }

  private static Optional<String> text(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
      if (bytes.length > MAX_FILE_BYTES) {
        throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      return Optional.of(new String(bytes, StandardCharsets.UTF_8));
    }
  }
}
