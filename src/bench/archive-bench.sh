#!/bin/sh
# What the JVM class-data archive costs and buys: builds of the demo release to oci:, one after
# the other from an empty cache and state directory (1st, 2nd, 3rd at once, 4th once any
# background archive maker has finished), for each jar given, interleaved round by round; then
# warm builds with no archive (a state directory others may write, so none is used or made).
# Prints each run and the medians of wall seconds and peak RSS (largest process waited for).
#
#   sh src/bench/archive-bench.sh ROUNDS JAR...     e.g. 5 /tmp/before.jar target/relpack.jar
set -eu
rounds=$1; shift
release=$(cd "$(dirname "$0")/../.." && pwd)/testdata/releases/demo-0.1.0.tar.gz
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
java=${JAVA:-java}

build() { # JAR STATE-HOME OUT -> "seconds kilobytes"
  HOME=$work/home XDG_STATE_HOME=$2 /usr/bin/time -o "$work/t" -f "%e %M" \
    "$java" -jar "$1" build --release "$release" --to "oci:$work/$3" --cache-dir "$work/cache" -q >/dev/null
  cat "$work/t"
}
makers_done() { # waits until no archive maker of JAR runs (polls: it is a background process)
  while pgrep -f -- "$1 dev.relpack.cli.ArchiveMaker" >/dev/null 2>&1 || \
        pgrep -f -- "-Xshare:dump.*-cp $1" >/dev/null 2>&1; do sleep 0.2; done
}

: >"$work/results"
i=0
while [ "$i" -lt "$rounds" ]; do
  i=$((i + 1))
  for jar in "$@"; do
    rm -rf "$work/cache" "$work/state" "$work"/out*
    for n in 1 2 3; do echo "$jar build$n $(build "$jar" "$work/state" out$n)" >>"$work/results"; done
    makers_done "$jar"
    echo "$jar build4 $(build "$jar" "$work/state" out4)" >>"$work/results"
    mkdir -p "$work/open/relpack/jvm"; chmod 777 "$work/open/relpack/jvm"
    echo "$jar noarchive $(build "$jar" "$work/open" out5)" >>"$work/results"
  done
  echo "round $i done, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
cat "$work/results"
echo "median seconds / peak RSS MB:"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for jar in "$@"; do
  for b in build1 build2 build3 build4 noarchive; do
    secs=$(grep -F "$jar $b " "$work/results" | awk '{print $3}' | median)
    rss=$(grep -F "$jar $b " "$work/results" | awk '{print $4}' | median)
    echo "$jar $b $secs s $((rss / 1024)) MB"
  done
done
