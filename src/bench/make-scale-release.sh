#!/bin/sh
# Makes the bench's "scale" release, about 60 MB and 5,000 files (the size of a Phoenix app's),
# with this machine's Elixir: a copy of testdata/demo whose release also carries
#   - 22 more OTP and Elixir applications from this machine (ssl, inets, ssh, mnesia, snmp,
#     megaco, ...; loaded, not started), as a release with many dependencies does;
#   - DEPS generated dependencies (path deps gen_01 ...), each an Erlang application of MODULES
#     modules and ASSETS files under priv/static (text, like a web app's JS and CSS).
# Everything generated is a function of its index (a Park-Miller generator in awk, no rand()),
# so the same machine makes the same release.
#
#   sh src/bench/make-scale-release.sh DIR    # the mix project in DIR/scale; prints the release
#                                             # directory (DIR/scale/_build/prod/rel/demo)
# Env: DEPS (24), MODULES (100), ASSETS (56).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
DEPS=${DEPS:-24}
MODULES=${MODULES:-100}
ASSETS=${ASSETS:-56}
project="$dir/scale"
rm -rf "$project"
mkdir -p "$dir"
cp -R "$here/testdata/demo" "$project"

otp="ssl inets ssh mnesia xmerl public_key asn1 snmp megaco diameter eldap os_mon runtime_tools
  tools syntax_tools parsetools sasl edoc eunit dialyzer eex ex_unit"
loaded=$(for a in $otp; do printf '%s: :load, ' "$a"; done)
generated=$(i=1; while [ $i -le "$DEPS" ]; do printf '{:gen_%02d, path: "vendor/gen_%02d"}, ' $i $i; i=$((i + 1)); done)
sed -i -e "s|steps: \[:assemble, :tar\]|steps: [:assemble, :tar], applications: [${loaded%, }]|" \
  -e "s|\[{:greeting, path: \"vendor/greeting\"}\]|[${generated}{:greeting, path: \"vendor/greeting\"}]|" \
  "$project/mix.exs"
grep -q "gen_01" "$project/mix.exs" && grep -q "megaco: :load" "$project/mix.exs" \
  || { echo "make-scale-release: testdata/demo/mix.exs no longer has the lines this edits" >&2; exit 1; }

awk -v deps="$DEPS" -v modules="$MODULES" -v assets="$ASSETS" -v root="$project/vendor" '
  function next_random() { seed = (seed * 16807) % 2147483647; return seed }
  function word() { return words[next_random() % nwords] }
  function text(lines,   s, l, k) {
    s = ""
    for (l = 0; l < lines; l++) {
      for (k = 0; k < 12; k++) s = s word() " "
      s = s "\n"
    }
    return s
  }
  BEGIN {
    nwords = split("const let function return if else for while this new class extends import export " \
      "default async await value index length render state props event handler button input form " \
      "label table row column header footer section main nav list item link image color margin " \
      "padding border width height display flex grid block none auto solid px em rem " \
      "0 1 2 4 8 16 32 64 128 true false null undefined", words, " ")
    seed = 42
    for (d = 1; d <= deps; d++) {
      app = sprintf("gen_%02d", d)
      base = root "/" app
      system("mkdir -p " base "/src " base "/priv/static/assets")
      f = base "/mix.exs"
      printf "defmodule Gen%02d.MixProject do\n  use Mix.Project\n\n", d > f
      printf "  def project, do: [app: :%s, version: \"1.%d.0\", language: :erlang, deps: []]\n", app, d > f
      printf "  def application, do: [extra_applications: []]\nend\n" > f
      close(f)
      for (m = 1; m <= modules; m++) {
        mod = sprintf("%s_m%03d", app, m)
        f = base "/src/" mod ".erl"
        printf "-module(%s).\n-export([doc/0, lookup/1]).\n\ndoc() ->\n  <<\"%s\">>.\n\n", mod,
          text(6) > f
        for (c = 0; c < 24; c++) {
          printf "lookup(%d) -> {\047%s\047, %d, \"%s %s %s\"};\n", c, word(), next_random() % 100000,
            word(), word(), word() > f
        }
        printf "lookup(_) -> undefined.\n" > f
        close(f)
      }
      for (a = 1; a <= assets; a++) {
        f = sprintf("%s/priv/static/assets/%s-%03d.%s", base, app, a, (a % 2 ? "js" : "css"))
        printf "%s", text(200 + next_random() % 420) > f
        close(f)
      }
    }
  }'

(cd "$project" && MIX_ENV=prod mix release --overwrite --quiet >/dev/null 2>&1) \
  || { echo "make-scale-release: mix release failed in $project" >&2; exit 1; }
echo "$project/_build/prod/rel/demo"
