#!/bin/sh
# Parallel pushes sharing one cache, as parallel CI jobs with a shared cache do: ROUNDS rounds of
# N concurrent `relpack build` pushes of the demo release to a real registry (Debian's
# docker-registry on a free loopback port, started and stopped here), each round with a new,
# empty cache. Prints each failure and a closing "N passed, N failed" line; exits 1 on any failure.
# usage: sh src/test/scripts/concurrent-pushes.sh [ROUNDS=20] [N=4]   (after mvn package)
set -u
ROUNDS=${1:-20}
N=${2:-4}
cd "$(dirname "$0")/../../.."
JAR=$PWD/target/relpack.jar
RELEASE=$PWD/testdata/releases/demo-0.1.0.tar.gz
WORK=$(mktemp -d)
REGISTRY=""
trap 'kill "$REGISTRY" 2>/dev/null; wait "$REGISTRY" 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: 127.0.0.1:$PORT
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
REGISTRY=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/" > /dev/null && break; sleep 0.1; done
passed=0 failed=0
for round in $(seq 1 "$ROUNDS"); do
  cache="$WORK/cache-$round"
  pids=""
  for i in $(seq 1 "$N"); do
    HOME="$WORK/home" java -jar "$JAR" build --release "$RELEASE" \
      --to "localhost:$PORT/round$round/demo$i:1" --cache-dir "$cache" --progress none \
      --digest-file "$WORK/digest-$round-$i" > "$WORK/out-$round-$i" 2>&1 &
    pids="$pids $!"
  done
  i=0
  for pid in $pids; do
    i=$((i + 1))
    if wait "$pid"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "round $round, push $i failed:"; tail -3 "$WORK/out-$round-$i"
    fi
  done
  digests=$(cat "$WORK"/digest-"$round"-* 2>/dev/null | sort -u | wc -l)
  [ "$digests" -le 1 ] || { echo "round $round: $digests different digests"; failed=$((failed + 1)); }
  rm -rf "$cache"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
