#!/bin/sh
# Rebuilds testdata/releases/demo-0.1.0.tar.gz from the project in testdata/demo with the machine's
# Elixir (Debian's `elixir` package: Elixir 1.14, OTP 25, ERTS 13.1.5 when it was last run).
#
#   sh testdata/make-demo-release.sh
#
# The build runs in a temporary copy, so testdata/demo stays free of _build/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/demo" "$work/demo"
cd "$work/demo"
MIX_ENV=prod mix release --overwrite --quiet
mkdir -p "$here/releases"
cp _build/prod/demo-0.1.0.tar.gz "$here/releases/demo-0.1.0.tar.gz"
echo "wrote $here/releases/demo-0.1.0.tar.gz ($(elixir --short-version 2>/dev/null || elixir --version | tail -1))"
