#!/bin/sh
# relpack against buildah, side by side, on this machine, with a local registry (docker-registry
# on a free loopback port) holding the base both tools build on: an image of about 15 MB
# assembled here from this machine's files (what the releases link, found with ldd, plus
# busybox-static as /bin/sh and the commands release scripts call), with umoci, pushed with skopeo.
#
# buildah runs the flow GitLab documents for unprivileged jobs, each build with its own --root and
# --runroot (STORAGE_DRIVER=vfs, BUILDAH_ISOLATION=chroot):
#   from docker://REGISTRY/base:1 -> copy RELEASE_DIR /app -> config --entrypoint --cmd start ->
#   commit -> push
# What each side gets: buildah copies a directory, so it gets the release unpacked; relpack gets
# what its users give it: the release tarball for cold, warm, scale-cold and scale-warm (the
# mix release's demo-0.1.0.tar.gz), and the release directory mix wrote after a change (ci-cold,
# change, scale-change). Both push to their own repositories of the same registry.
#
# Scenarios (relpack and buildah interleaved run by run, the one to go first alternating):
#   cold          empty cache and storage, new repository: testdata/releases/demo-0.1.0.tar.gz
#   ci-cold       empty cache and storage; the target repository holds the image of the previous
#                 release (tag prev, pushed by the same tool) and the release has one module
#                 changed since; relpack gets --cache-from REPO:prev if its build has the option
#   warm          the same release again, cache (and relpack's JVM state dir) or storage kept;
#                 one first build, then RUNS measured; warm-2nd is the first measured one, the
#                 second build with that cache
#   change        one module changed (lib/demo/version.ex, `mix release --overwrite` in a copy of
#                 testdata/demo), cache or storage kept
#   scale-cold, scale-warm (and scale-warm-2nd), scale-change
#                 cold, warm and change on a release of about 60 MB and 5,000 files (a copy of
#                 testdata/demo with many applications, made by src/bench/make-scale-release.sh)
#   ci-cold-dist, warm-dist, change-dist
#                 ci-cold, warm and change (the demo), relpack only, each run right after its
#                 pair (its ratio is to buildah's build of that pair): relpack as a CI job runs
#                 it, bin/relpack from the distribution archive `mvn package` made, with no
#                 class-data archive (none is published: an archive fits only the JDK build that
#                 made it), one JVM; warm-dist and change-dist with a cache, state and
#                 repository of their own
#   cold-nocheck  cold, relpack only, with --no-check (odd runs): what the boot check costs on a
#                 registry base
# Every time is wall time of the whole command (JVM start included; for buildah the five commands).
# Peak RSS is GNU time's %M, the largest process (for relpack, the larger of its two JVMs, or its
# one with bin/relpack; for
# buildah, the largest of its five commands), the highest over the runs. Bytes pushed are the sizes
# of the blobs whose upload the registry's access log shows finished during the build (mounts and
# blobs the repository had are not counted); relpack's own count (--metadata's uploadedBytes) is
# in the TSV too.
#
#   sh src/bench/bench.sh                 # RUNS=5; about 10 minutes on 2 cores
#   RUNS=1 sh src/bench/bench.sh          # a smoke test
#   BENCH_OUT=/tmp/b sh src/bench/bench.sh
# Writes BENCH_OUT (default target/bench/): results.tsv (a line per scenario, made by
# src/bench/summarize.awk: medians, ratio, goal, and the range of the runs' own ratios), runs.tsv
# (a line per build), speed.png (grouped bars, seconds). Needs root (buildah's chroot isolation), target/relpack.jar
# (mvn -B package -DskipTests), and installs with apt-get what is missing (.ci/install).
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
OUT=${BENCH_OUT:-target/bench}
JAR=$(pwd)/target/relpack.jar
[ -f "$JAR" ] || { echo "bench: build first: mvn -B package -DskipTests" >&2; exit 2; }
dist_archive=$(ls target/relpack-maven-plugin-*-dist.tar.gz 2>/dev/null | head -1)
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (buildah with chroot isolation and vfs)" >&2; exit 2; }
sh .ci/install buildah gnuplot-nox umoci skopeo docker-registry jq busybox-static time curl elixir
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
mkdir -p /var/lib/containers/cache
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/relpack-bench.XXXXXX")
registry_pid=""
cleanup() { [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# how relpack is started: java -jar (via=jar) or the distribution's bin/relpack (via=dist)
via=jar
dist=""
if [ -n "$dist_archive" ]; then
  mkdir "$work/dist" && tar -xzf "$dist_archive" -C "$work/dist"
  dist=$(echo "$work"/dist/*/bin/relpack)
fi
fail() { say "$*"; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(now_ms)
say() { echo "bench: [$(( ($(now_ms) - t0) / 1000 )) s] $*" >&2; }

# --- the registry: a free loopback port (nothing answers there before it starts), access log on
port=$(( 20000 + $$ % 20000 ))
while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; [ $? -ne 7 ]; do port=$((port + 1)); done
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; do
  i=$((i + 1)); [ $i -lt 100 ] && kill -0 "$registry_pid" 2>/dev/null || fail "registry did not start: $(tail -3 "$work/registry.log")"
  sleep 0.1
done
reg="127.0.0.1:$port"
blobs="$work/registry/docker/registry/v2/blobs/sha256"

# bytes of the blobs whose upload finished in the registry's access log after line $1
uploaded_since() {
  tail -n +"$(( $1 + 1 ))" "$work/registry.log" | grep -E '"(PUT|POST) /v2/[^ ]*/blobs/uploads/[^ ]*digest=sha256(:|%3A)[0-9a-f]{64}[^ ]* HTTP/[0-9.]*" 20[01]' \
    | grep -oE 'digest=sha256(:|%3A)[0-9a-f]{64}' | grep -oE '[0-9a-f]{64}$' | sort -u \
    | while read -r d; do stat -c %s "$blobs/$(echo "$d" | cut -c1-2)/$d/data"; done | awk '{ s += $1 } END { print s + 0 }'
}
log_lines() { wc -l < "$work/registry.log"; }

# --- the releases
say "preparing the releases and the base (not timed)"
release=testdata/releases/demo-0.1.0.tar.gz
mkdir -p "$work/rel-cold" && tar -xzf "$release" -C "$work/rel-cold"
release_bytes=$(tar -tzvf "$release" | awk '{ s += $3 } END { print s }')
cp -R testdata/demo "$work/demo"
mix_release() { (cd "$1" && MIX_ENV=prod mix release --overwrite --quiet >/dev/null 2>&1) || fail "mix release failed in $1"; }
edit_module() { # project text: a one-module change
  sed -i "s/otp #{System.otp_release()}.*\"/otp #{System.otp_release()} $2\"/" "$1/lib/demo/version.ex"
  grep -q "$2\"" "$1/lib/demo/version.ex" || fail "could not edit $1/lib/demo/version.ex"
}
mix_release "$work/demo"
cp -R "$work/demo/_build/prod/rel/demo" "$work/rel-prev"
edit_module "$work/demo" ci
mix_release "$work/demo"
cp -R "$work/demo/_build/prod/rel/demo" "$work/rel-ci"

scale_dir=$(sh src/bench/make-scale-release.sh "$work")
scale_project="$work/scale"
cp "$scale_project/_build/prod/demo-0.1.0.tar.gz" "$work/scale.tar.gz"
mkdir -p "$work/rel-scale" && tar -xzf "$work/scale.tar.gz" -C "$work/rel-scale"
scale_bytes=$(tar -tzvf "$work/scale.tar.gz" | awk '{ s += $3 } END { print s }')
scale_files=$(tar -tzvf "$work/scale.tar.gz" | grep -c '^-')

# --- the base: what both releases link (ldd), busybox as /bin/sh and the scripts' commands
umoci init --layout "$work/layout" >/dev/null
umoci new --image "$work/layout:base" >/dev/null
umoci unpack --rootless --image "$work/layout:base" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
{ find "$work/rel-cold" "$scale_dir" -type f \( -name '*.so' -o -perm -100 \) -exec ldd {} + 2>/dev/null \
    | awk '/=> \// { print $3 } /^\t\// { print $1 }'
  ls /usr/lib/x86_64-linux-gnu/libssl.so.3 2>/dev/null || true
} | sort -u | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for a in sh readlink cut sed grep awk dirname basename cat od dd date mkdir env tr head tail uname; do
  ln -s busybox "$rootfs/bin/$a"
done
cp /etc/os-release "$rootfs/etc/os-release"
base_unpacked=$(du -sb --apparent-size "$rootfs" | cut -f1)
umoci repack --image "$work/layout:base" "$work/bundle" >/dev/null
umoci config --image "$work/layout:base" --config.env PATH=/usr/bin:/bin >/dev/null
skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:base" "docker://$reg/base:1"
base_bytes=$(skopeo inspect --raw --tls-verify=false "docker://$reg/base:1" | jq '[.layers[].size] | add')

has_cache_from=0
java -jar "$JAR" build --help 2>/dev/null | grep -q -- '--cache-from' && has_cache_from=1

# --- one build of each tool; each appends "scenario tool run ms rss_kb pushed metadata_pushed"
#     to $work/runs; $1 is the scenario name, or - for a build that is not measured
record() { [ "$1" = - ] || echo "$1	$2	$3	$4	$5	$6	$7" >> "$work/runs"; }

# Before each timed build, untimed: the page cache's dirty data (what the builds before wrote,
# a scale build's 60 MB and more) is written out, so that no build pays for another's writeback.
settle() {
  sync
}

relpack() { # scenario run release cache state to [build options...]
  scenario=$1 run=$2 rel=$3 cache=$4 state=$5 to=$6
  shift 6
  settle
  if [ "$via" = dist ]; then set -- "$dist" build "$@"; else set -- java -jar "$JAR" build "$@"; fi
  mark=$(log_lines)
  start=$(now_ms)
  if ! XDG_STATE_HOME="$state" /usr/bin/time -f %M -o "$work/rss" "$@" --release "$rel" \
      --from "$reg/base:1" --cache-dir "$cache" --to "$reg/$to" --metadata "$work/metadata.json" -q \
      >/dev/null 2>"$work/relpack.err"; then
    cat "$work/relpack.err" >&2; fail "relpack build ($scenario, run $run) failed"
  fi
  end=$(now_ms)
  record "$scenario" relpack "$run" $((end - start)) "$(tail -1 "$work/rss")" "$(uploaded_since "$mark")" \
    "$(jq '.uploadedBytes' "$work/metadata.json")"
}

buildah_build() { # scenario run release-dir storage to
  scenario=$1 run=$2 rel=$3 storage=$4 to=$5
  : > "$work/brss"
  settle
  mark=$(log_lines)
  start=$(now_ms)
  c=$(b "$storage" from --tls-verify=false -q "docker://$reg/base:1") \
    && b "$storage" copy -q "$c" "$rel" /app >/dev/null \
    && b "$storage" config --entrypoint '["/app/bin/demo"]' --cmd start "$c" \
    && b "$storage" commit -q "$c" demo:1 >/dev/null \
    && b "$storage" push -q --tls-verify=false demo:1 "docker://$reg/$to" \
    || { cat "$work/buildah.err" >&2; fail "buildah ($scenario, run $run) failed"; }
  end=$(now_ms)
  record "$scenario" buildah "$run" $((end - start)) "$(sort -n "$work/brss" | tail -1)" "$(uploaded_since "$mark")" ""
  b "$storage" rm "$c" >/dev/null # the working container: not part of the flow, not timed
}
# buildah in its own mount namespace where the blob info cache (which layers it has seen where,
# kept in /var/lib/containers/cache whatever --root says) is the storage's own: empty for a cold
# build, as in a new CI job's container, kept with the storage for warm and change
b() { # storage buildah-arguments...
  storage=$1
  shift
  mkdir -p "$storage/bic"
  /usr/bin/time -f %M -a -o "$work/brss" unshare -m --propagation private sh -c \
    'mount --bind "$0/bic" /var/lib/containers/cache && exec buildah --root "$0/root" --runroot "$0/runroot" "$@"' \
    "$storage" "$@" 2>"$work/buildah.err"
}

# both tools, the one to go first alternating with the run: pair RUN 'relpack ...' 'buildah_build ...'
pair() {
  if [ $(( $1 % 2 )) -eq 1 ]; then eval "$2"; eval "$3"; else eval "$3"; eval "$2"; fi
}

: > "$work/runs"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(now_ms)
say "base $base_bytes bytes compressed ($base_unpacked unpacked); scale release $scale_bytes bytes, $scale_files files; RUNS=$RUNS"

# 1. cold
n=1
while [ $n -le "$RUNS" ]; do
  say "cold $n/$RUNS"
  pair $n "relpack cold $n $release $work/c-cold-$n $work/st-cold-$n r-cold-$n:1" \
    "buildah_build cold $n $work/rel-cold $work/s-cold-$n b-cold-$n:1"
  if [ $(( n % 2 )) -eq 1 ]; then # odd runs only, to keep the bench short
    relpack cold-nocheck $n "$release" "$work/c-nocheck-$n" "$work/st-nocheck-$n" "r-nocheck-$n:1" --no-check
  fi
  rm -rf "$work/c-cold-$n" "$work/st-cold-$n" "$work/s-cold-$n" "$work/c-nocheck-$n" "$work/st-nocheck-$n"
  n=$((n + 1))
done

# 2. ci-cold: the previous release's image in the target repository, pushed by the same tool
relpack - 0 "$work/rel-prev" "$work/c-prev" "$work/st-prev" r-prev:prev
buildah_build - 0 "$work/rel-prev" "$work/s-prev" b-prev:prev
rm -rf "$work/c-prev" "$work/st-prev" "$work/s-prev"
cache_from=""
if [ $has_cache_from -eq 0 ]; then
  say "note: this relpack's build has no --cache-from; ci-cold runs without it"
fi
[ -n "$dist" ] || say "note: no $(pwd)/target/relpack-maven-plugin-*-dist.tar.gz (mvn -B package makes it); no *-dist rows"

n=1
while [ $n -le "$RUNS" ]; do
  say "ci-cold $n/$RUNS"
  skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$reg/r-prev:prev" "docker://$reg/r-ci-$n:prev"
  skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$reg/b-prev:prev" "docker://$reg/b-ci-$n:prev"
  [ $has_cache_from -eq 0 ] || cache_from="--cache-from $reg/r-ci-$n:prev"
  pair $n "relpack ci-cold $n $work/rel-ci $work/c-ci-$n $work/st-ci-$n r-ci-$n:new $cache_from" \
    "buildah_build ci-cold $n $work/rel-ci $work/s-ci-$n b-ci-$n:new"
  if [ -n "$dist" ]; then
    skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$reg/r-prev:prev" "docker://$reg/r-cid-$n:prev"
    [ $has_cache_from -eq 0 ] || cache_from="--cache-from $reg/r-cid-$n:prev"
    via=dist
    eval "relpack ci-cold-dist $n $work/rel-ci $work/c-cid-$n $work/st-cid-$n r-cid-$n:new $cache_from"
    via=jar
  fi
  rm -rf "$work/c-ci-$n" "$work/st-ci-$n" "$work/s-ci-$n" "$work/c-cid-$n" "$work/st-cid-$n"
  n=$((n + 1))
done

# 3. warm (and 4. change on the same cache and storage); 5. the same on the scale release
# bin/relpack's build of the demo (scenario run release), after the pair, in its own cache
dist_build() {
  [ -n "$dist" ] && [ -z "$prefix" ] || return 0
  via=dist
  relpack "$1" "$2" "$3" "$work/c-dist" "$work/st-dist" "r-dist-warm:1"
  via=jar
}
warm_and_change() { # prefix tarball release-dir project
  prefix=$1 tarball=$2 dir=$3 project=$4
  relpack - 0 "$tarball" "$work/c-$prefix" "$work/st-$prefix" "r-${prefix}warm:1"
  buildah_build - 0 "$dir" "$work/s-$prefix" "b-${prefix}warm:1"
  dist_build - 0 "$tarball"
  n=1
  while [ $n -le "$RUNS" ]; do
    say "${prefix}warm $n/$RUNS"
    pair $n "relpack ${prefix}warm $n $tarball $work/c-$prefix $work/st-$prefix r-${prefix}warm:1" \
      "buildah_build ${prefix}warm $n $dir $work/s-$prefix b-${prefix}warm:1"
    dist_build warm-dist $n "$tarball"
    n=$((n + 1))
  done
  # the release directory as mix last left it, built once: a developer's previous build
  relpack - 0 "$project/_build/prod/rel/demo" "$work/c-$prefix" "$work/st-$prefix" "r-${prefix}warm:1"
  dist_build - 0 "$project/_build/prod/rel/demo"
  n=1
  while [ $n -le "$RUNS" ]; do
    say "${prefix}change $n/$RUNS"
    edit_module "$project" "change $n"
    mix_release "$project"
    pair $n "relpack ${prefix}change $n $project/_build/prod/rel/demo $work/c-$prefix $work/st-$prefix r-${prefix}warm:1" \
      "buildah_build ${prefix}change $n $project/_build/prod/rel/demo $work/s-$prefix b-${prefix}warm:1"
    dist_build change-dist $n "$project/_build/prod/rel/demo"
    n=$((n + 1))
  done
  rm -rf "$work/c-$prefix" "$work/st-$prefix" "$work/s-$prefix" "$work/c-dist" "$work/st-dist"
}
warm_and_change "" "$release" "$work/rel-cold" "$work/demo"

# 5. scale-cold, then scale-warm and scale-change
n=1
while [ $n -le "$RUNS" ]; do
  say "scale-cold $n/$RUNS"
  pair $n "relpack scale-cold $n $work/scale.tar.gz $work/c-sc-$n $work/st-sc-$n r-scale-cold-$n:1" \
    "buildah_build scale-cold $n $work/rel-scale $work/s-sc-$n b-scale-cold-$n:1"
  rm -rf "$work/c-sc-$n" "$work/st-sc-$n" "$work/s-sc-$n"
  n=$((n + 1))
done
warm_and_change scale- "$work/scale.tar.gz" "$work/rel-scale" "$scale_project"

elapsed=$(( ($(now_ms) - started) / 1000 ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report: medians, ratios, goals
{ printf 'scenario\ttool\trun\tms\tpeak_rss_kb\tpushed_bytes\trelpack_uploadedBytes\n'; cat "$work/runs"; } > "$OUT/runs.tsv"
awk -F'\t' -v release_bytes="$release_bytes" -v scale_bytes="$scale_bytes" -f src/bench/summarize.awk \
  "$work/runs" > "$OUT/results.tsv"

relpack_version=$(java -jar "$JAR" --version 2>/dev/null | head -1)
echo
echo "$relpack_version vs $(buildah --version | cut -d' ' -f1-3), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), RUNS=$RUNS, ${elapsed} s"
echo "load average before: $load_before, after: $load_after"
echo "release $release: $release_bytes bytes; scale release: $scale_bytes bytes, $scale_files files; base: $base_bytes bytes compressed, $base_unpacked unpacked"
[ $has_cache_from -eq 1 ] || echo "note: relpack has no --cache-from; ci-cold ran without it"
echo "medians in seconds; runs: the lowest and highest ratio of one run's pair of builds; pushed: median bytes of blobs uploaded; rss: peak over the runs, largest process"
awk -F'\t' 'NR == 1 { printf "%-15s %8s %8s %6s %10s %12s %12s %9s %9s  %-6s %s\n", "scenario", "relpack", "buildah", "ratio", "runs", "pushed(r)", "pushed(b)", "rss(r)MB", "rss(b)MB", "goal", ""; next }
  { printf "%-15s %8s %8s %6s %10s %12s %12s %9.0f %9s  %-6s %s\n", $1, $2, ($3 == "" ? "-" : $3), ($4 == "" ? "-" : $4), ($11 == "" ? "-" : $11), $5, ($6 == "" ? "-" : $6),
      $7 / 1024, ($8 == "" ? "-" : sprintf("%.0f", $8 / 1024)), $10, $9 }' "$OUT/results.tsv"

# --- the chart: relpack against buildah, seconds, the scenarios both ran
awk -F'\t' 'NR > 1 && $3 != ""' "$OUT/results.tsv" > "$work/chart.tsv"
gnuplot <<GP
set terminal png size 960,540 font ",10"
set output "$OUT/speed.png"
set datafile separator "\t"
set title "relpack vs buildah, median of $RUNS (seconds, lower is better), $(nproc) cores"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "seconds"
set yrange [0:*]
set grid ytics
set xtics rotate by -30
set key top left
plot "$work/chart.tsv" using 2:xtic(1) title "relpack" linecolor rgb "#1f77b4", \
     "" using 3 title "buildah" linecolor rgb "#ff7f0e"
GP
echo "wrote $OUT/results.tsv, $OUT/runs.tsv, $OUT/speed.png"
