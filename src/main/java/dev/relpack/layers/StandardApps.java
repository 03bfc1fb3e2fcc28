package dev.relpack.layers;

import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import java.util.Optional;
import java.util.Set;

/** Applications that ship with Erlang/OTP or with Elixir, which change only with them. */
final class StandardApps {
  private static final Set<String> OTP = Set.of(
      "asn1", "common_test", "compiler", "crypto", "debugger", "dialyzer", "diameter", "edoc",
      "eldap", "erl_docgen", "erl_interface", "erts", "et", "eunit", "ftp", "hipe", "inets",
      "jinterface", "kernel", "megaco", "mnesia", "observer", "odbc", "os_mon", "otp_mibs",
      "parsetools", "public_key", "reltool", "runtime_tools", "sasl", "snmp", "ssh", "ssl",
      "stdlib", "syntax_tools", "tftp", "tools", "wx", "xmerl");
  private static final Set<String> ELIXIR = Set.of("eex", "elixir", "ex_unit", "iex", "logger", "mix");

  private StandardApps() {}

  /**
   * Whether an app is part of OTP or Elixir. Elixir's apps must also carry the release's Elixir
   * version: a {@code logger} at another version is not the one Elixir ships.
   */
  static boolean isStandard(ReleaseApp app, Release release) {
    if (OTP.contains(app.name())) {
      return true;
    }
    if (!ELIXIR.contains(app.name())) {
      return false;
    }
    Optional<String> elixirVersion = release.app("elixir").map(ReleaseApp::version);
    return elixirVersion.map(v -> v.equals(app.version())).orElse(true);
  }
}
