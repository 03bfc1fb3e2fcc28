package dev.relpack.release;

import java.io.IOException;
import java.util.Optional;

/**
 * Tells which tool built a release from its files, never from its name. Many files are shared
 * (start_erl.data by all; RELEASES, bin/nodetool, install_upgrade.escript by several; exrm's
 * NAME.sh even contains relx names), so the rules run in an order where each marker is unique among
 * the kinds not yet ruled out.
 */
final class ReleaseKindDetector {
  private ReleaseKindDetector() {}

  static Optional<ReleaseKind> detect(ReleaseTree tree, String name, String version)
      throws IOException {
    String script = tree.read("bin/" + name).orElse("");
    String vsnDir = "releases/" + version;
    // distillery 2.x: the bash runner beside bin/NAME
    if (tree.isFile("bin/" + name + "_rc_exec.sh") || script.contains("_rc_exec.sh")) {
      return Optional.of(ReleaseKind.DISTILLERY);
    }
    // mix: the cookie file and the elixir launcher, which no other tool writes
    if ((tree.isFile("releases/COOKIE") && tree.isFile(vsnDir + "/elixir"))
        || script.contains("REL_VSN_DIR")) {
      return Optional.of(ReleaseKind.MIX);
    }
    // exrm and distillery 1.x both keep their main script in releases/VSN/NAME.sh
    Optional<String> mainScript = tree.read(vsnDir + "/" + name + ".sh");
    if (mainScript.isPresent()) {
      String text = mainScript.get();
      boolean exrm = text.contains("EXRM_INIT_TRACE") || text.contains("running-config");
      return Optional.of(exrm ? ReleaseKind.EXRM : ReleaseKind.DISTILLERY);
    }
    if (tree.isFile("bin/release_utils.escript") || tree.isFile("bin/" + name + "_loader.sh")) {
      return Optional.of(ReleaseKind.DISTILLERY);
    }
    // relx (rebar3): its extended start script
    if (script.contains("RELX_") || script.contains("relx_")) {
      return Optional.of(ReleaseKind.RELX);
    }
    return Optional.empty();
  }
}
