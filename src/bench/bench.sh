#!/bin/sh
# Benchmarks relpack against a local registry, on the release in testdata/:
#   cold    empty cache, new repository (everything compressed and uploaded)
#   warm    the same release again (nothing to compress or upload)
#   change  after a one-module change, rebuilt with mix (only the changed app layer)
# and prints the median wall time of each over RUNS runs (default 5), including JVM start,
# and the bytes each pushed. Needs target/relpack.jar (mvn -B package), docker-registry, jq, mix.
#
#   sh src/bench/bench.sh            # RUNS=5
#   RUNS=9 sh src/bench/bench.sh
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
JAR=target/relpack.jar
[ -f "$JAR" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 2; }
work=$(mktemp -d)
registry_pid=""
cleanup() { [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 5599)
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
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
  i=$((i + 1)); [ $i -lt 100 ] || { echo "registry did not start" >&2; exit 1; }; sleep 0.1
done

# one build: prints "<milliseconds> <uploaded bytes> <image bytes>"
build() { # release cache repository
  start=$(date +%s%N)
  java -jar "$JAR" build --release "$1" --cache-dir "$2" --to "127.0.0.1:$port/$3:bench" \
    --metadata "$work/metadata.json" -q >/dev/null
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $(jq '.uploadedBytes' "$work/metadata.json") $(jq '[.layers[].size] | add' "$work/metadata.json")"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

report() { # name file
  ms=$(cut -d' ' -f1 "$2" | median)
  up=$(cut -d' ' -f2 "$2" | median)
  size=$(cut -d' ' -f3 "$2" | median)
  printf '%-8s median %6.2f s over %d runs   pushed %10d bytes of %d (%.2f%%)\n' "$1" \
    "$(echo "$ms / 1000" | bc -l)" "$RUNS" "$up" "$size" "$(echo "100 * $up / $size" | bc -l)"
}

release=testdata/releases/demo-0.1.0.tar.gz
: > "$work/cold"; : > "$work/warm"; : > "$work/change"
n=1
while [ $n -le "$RUNS" ]; do
  build "$release" "$work/cache-cold-$n" "cold-$n" >> "$work/cold"
  n=$((n + 1))
done
build "$release" "$work/cache" warm >/dev/null # fill the cache and the repository once
n=1
while [ $n -le "$RUNS" ]; do build "$release" "$work/cache" warm >> "$work/warm"; n=$((n + 1)); done

cp -R testdata/demo "$work/demo"
(cd "$work/demo" && MIX_ENV=prod mix release --overwrite --quiet >/dev/null 2>&1)
build "$work/demo/_build/prod/rel/demo" "$work/cache" change >/dev/null
n=1
while [ $n -le "$RUNS" ]; do
  sed -i "s/otp #{System.otp_release()}.*\"/otp #{System.otp_release()} change $n\"/" "$work/demo/lib/demo/version.ex"
  (cd "$work/demo" && MIX_ENV=prod mix release --overwrite --quiet >/dev/null 2>&1)
  build "$work/demo/_build/prod/rel/demo" "$work/cache" change >> "$work/change"
  n=$((n + 1))
done

echo "relpack $(java -jar "$JAR" --version | cut -d' ' -f2), $(nproc) cores, $(date -u +%Y-%m-%d)"
report cold "$work/cold"
report warm "$work/warm"
report change "$work/change"
