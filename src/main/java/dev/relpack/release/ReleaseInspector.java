package dev.relpack.release;

import dev.relpack.error.BadInputException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Reads what a release is from its files: {@code releases/start_erl.data} ("ERTS_VSN REL_VSN"),
 * {@code releases/VSN/NAME.rel}, whether {@code erts-VSN/} is there, and which tool built it.
 */
final class ReleaseInspector {
  private final ReleaseTree tree;
  private final String display;

  private ReleaseInspector(ReleaseTree tree, String display) {
    this.tree = tree;
    this.display = display;
  }

  /**
   * What the release is; its {@link Release#files()} are left empty.
   *
   * @param display how to name the release in messages (the path the user gave)
   */
  static Release inspect(ReleaseTree tree, String display) {
    requireReleaseShape(tree, display);
    return new ReleaseInspector(tree, display).inspect();
  }

  /** Fails unless the tree looks like a release at all: a {@code releases/} and a {@code bin/}. */
  private static void requireReleaseShape(ReleaseTree tree, String display) {
    boolean hasReleases = tree.isDirectory("releases");
    boolean hasBin = tree.isDirectory("bin");
    if (!hasReleases || !hasBin) {
      for (String project : List.of("mix.exs", "rebar.config")) {
        if (tree.isFile(project)) {
          throw new BadInputException(display + " is a project (it has " + project + "), not a"
              + " release: name it with {project-dir} (relpack then makes its release), or give"
              + " the release it made with {release} (_build/prod/rel/NAME)");
        }
      }
      throw new BadInputException(display + " is not a release: it has no "
          + (hasReleases ? "bin/" : "releases/") + " directory (expected the output of"
          + " `mix release`, e.g. _build/prod/rel/NAME, or a release tarball)");
    }
  }

  private Release inspect() {
    try {
      String version = releaseVersion();
      RelFile rel = relFile(version);
      if (!isPathComponent(rel.name()) || !isPathComponent(rel.ertsVersion())) {
        throw bad("its .rel file names release \"" + rel.name() + "\" with ERTS \""
            + rel.ertsVersion() + "\"; both must be plain names (letters, digits, . _ + -)");
      }
      if (!rel.version().equals(version)) {
        throw bad("releases/" + version + " holds a .rel file for version " + rel.version());
      }
      if (!tree.isFile("bin/" + rel.name())) {
        throw bad("it has no start script bin/" + rel.name());
      }
      ReleaseKind kind = ReleaseKindDetector.detect(tree, rel.name(), version)
          .orElseThrow(() -> bad("cannot tell which tool built it: none of the files mix,"
              + " distillery, exrm or relx leave (e.g. releases/COOKIE) is there"));
      boolean ertsIncluded = tree.isDirectory("erts-" + rel.ertsVersion());
      return new Release(rel.name(), version, rel.ertsVersion(), kind, ertsIncluded, rel.apps(),
          List.of());
    } catch (IOException e) {
      throw bad("cannot read it: " + e.getMessage());
    }
  }

  /** From start_erl.data when present, else the only versioned directory under releases/. */
  private String releaseVersion() throws IOException {
    Optional<String> startErl = tree.read("releases/start_erl.data");
    if (startErl.isPresent()) {
      String[] fields = startErl.get().trim().split("\\s+");
      if (fields.length != 2 || !isPathComponent(fields[1])) {
        throw bad("releases/start_erl.data should hold \"ERTS_VSN REL_VSN\" (two words)");
      }
      return fields[1];
    }
    List<String> versions = new java.util.ArrayList<>();
    for (String child : tree.children("releases")) {
      String dir = "releases/" + child;
      if (tree.isDirectory(dir) && tree.children(dir).stream().anyMatch(f -> f.endsWith(".rel"))) {
        versions.add(child);
      }
    }
    if (versions.size() != 1) {
      throw bad(versions.isEmpty()
          ? "it has neither releases/start_erl.data nor a releases/VSN/NAME.rel file"
          : "it has no releases/start_erl.data to choose between versions " + versions);
    }
    return versions.get(0);
  }

  private RelFile relFile(String version) throws IOException {
    String dir = "releases/" + version;
    if (!tree.isDirectory(dir)) {
      throw bad("releases/start_erl.data names version " + version + " but there is no " + dir);
    }
    List<String> rels = tree.children(dir).stream()
        .filter(f -> f.endsWith(".rel") && tree.isFile(dir + "/" + f))
        .toList();
    if (rels.size() > 1) {
      rels = rels.stream().filter(f -> tree.isFile("bin/" + f.substring(0, f.length() - 4))).toList();
    }
    if (rels.size() != 1) {
      throw bad("expected one NAME.rel file in " + dir + " with a matching bin/NAME");
    }
    String path = dir + "/" + rels.get(0);
    RelFile rel;
    try {
      rel = RelFile.parse(tree.read(path).orElseThrow());
    } catch (TermSyntaxException e) {
      throw bad(path + " " + e.getMessage());
    }
    for (ReleaseApp app : rel.apps()) {
      // each becomes a directory name, here and on the machine for include_erts: false
      if (!isPathComponent(app.name()) || !isPathComponent(app.version())) {
        throw bad(path + " lists application \"" + app.name() + "\" version \"" + app.version()
            + "\"; names and versions must be plain (letters, digits, . _ + ~ -)");
      }
    }
    return rel;
  }

  /** Whether a name can be used as one path component: no '/', not '.' or '..'. */
  private static boolean isPathComponent(String name) {
    return name.matches("[A-Za-z0-9_.+~-]+") && !name.equals(".") && !name.equals("..");
  }

  private BadInputException bad(String what) {
    return new BadInputException("release " + display + ": " + what);
  }
}
