#!/bin/sh
# Benchmarks the boot check against a registry base of about 50 MB in 3 layers, assembled here
# from this machine's files (layer 1: what the demo release needs, busybox, os-release; layers 2
# and 3: more of /usr/lib to make up the size) and pushed to a local registry:
#   check cold    `relpack check` with no layer in the cache (the release is): every layer
#                 downloaded and indexed
#   check warm    the same with the cache kept: the layers' indexes are read, no layer
#   build         a warm build of the testdata release to oci:, with the check and with --no-check
# It prints the median wall time of each over RUNS runs (default 5), JVM start included, and the
# blob GETs the registry saw per cold check and in a cold build to another registry (the check
# and jib must not both download a layer). Needs target/relpack.jar, docker-registry, umoci,
# skopeo, jq, busybox-static.
#
#   sh src/bench/check-bench.sh
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
JAR=target/relpack.jar
[ -f "$JAR" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 2; }
work=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
registry() { # name -> prints the address; access log in $work/NAME.log
  port=$(free_port)
  cat > "$work/$1.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $work/$1
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$work/$1.yml" >"$work/$1.log" 2>&1 &
  pids="$pids $!"
  i=0
  until curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "registry did not start" >&2; exit 1; }; sleep 0.1
  done
  echo "127.0.0.1:$port"
}
base_registry=$(registry base)
other_registry=$(registry other)

# the base: layer 1 has what the demo needs, layers 2 and 3 make up the size
release=testdata/releases/demo-0.1.0.tar.gz
mkdir -p "$work/release" && tar -xzf "$release" -C "$work/release"
rootfs="$work/bundle/rootfs"
umoci init --layout "$work/layout" >/dev/null
umoci new --image "$work/layout:base" >/dev/null
umoci unpack --rootless --image "$work/layout:base" "$work/bundle" >/dev/null
find "$work/release" -type f -exec sh -c '[ "$(head -c4 "$1" | od -An -c | tr -d " ")" = 177ELF ] && ldd "$1"' _ {} \; 2>/dev/null \
  | grep -o '/[^ ]*' | sort -u | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for a in sh readlink cut sed grep awk dirname basename cat od dd date mkdir env tr head tail uname; do
  ln -s busybox "$rootfs/bin/$a"
done
cp /etc/os-release "$rootfs/etc/os-release"
umoci repack --image "$work/layout:base" "$work/bundle" >/dev/null
fill() { # bundle bytes: adds files of /usr/lib not yet in the image, about that many bytes, as a layer
  umoci unpack --rootless --image "$work/layout:base" "$work/$1" >/dev/null
  total=0
  for f in $(find /usr/lib/x86_64-linux-gnu /usr/lib/jvm -type f -size +100k 2>/dev/null | sort); do
    [ -e "$work/$1/rootfs$f" ] && continue
    cp --parents "$f" "$work/$1/rootfs"
    total=$((total + $(stat -c %s "$f")))
    [ "$total" -lt "$2" ] || break
  done
  umoci repack --image "$work/layout:base" "$work/$1" >/dev/null
}
fill bundle2 20000000
fill bundle3 20000000
umoci config --image "$work/layout:base" --config.env PATH=/usr/bin:/bin >/dev/null
skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:base" "docker://$base_registry/bench/base:1"
layers=$(skopeo inspect --raw --tls-verify=false "docker://$base_registry/bench/base:1" | jq ".layers | length")
bytes=$(skopeo inspect --raw --tls-verify=false "docker://$base_registry/bench/base:1" | jq "[.layers[].size] | add")
skopeo inspect --raw --tls-verify=false "docker://$base_registry/bench/base:1" | jq -r '.layers[].digest' > "$work/layer-digests"
unpacked=$(du -sb --apparent-size "$work/bundle3/rootfs" | cut -f1)
echo "base: $layers layers, $bytes bytes compressed, $unpacked bytes unpacked"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# GETs of the base's layer blobs (not its config) that the registry answered
blob_gets() { grep -o '"GET /v2/[^ ]*/blobs/sha256:[0-9a-f]*' "$work/$1.log" | grep -c -F -f "$work/layer-digests" || true; }
timed() { # command... -> prints milliseconds
  start=$(date +%s%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
check() { java -jar "$JAR" check --release "$release" --from "$base_registry/bench/base:1" --cache-dir "$1"; }

: > "$work/cold"; : > "$work/gets"
n=1
while [ $n -le "$RUNS" ]; do
  # the release is read into the cache first, so the time is the base's alone
  java -jar "$JAR" check --release "$release" --from host --cache-dir "$work/cache-$n" >/dev/null 2>&1
  before=$(blob_gets base)
  timed check "$work/cache-$n" >> "$work/cold"
  echo $(( $(blob_gets base) - before )) >> "$work/gets"
  n=$((n + 1))
done
check "$work/cache" >/dev/null 2>&1 || true
: > "$work/warm"
before=$(blob_gets base)
n=1
while [ $n -le "$RUNS" ]; do timed check "$work/cache" >> "$work/warm"; n=$((n + 1)); done
warm_gets=$(( $(blob_gets base) - before ))

build() { java -jar "$JAR" build --release "$release" --from "$base_registry/bench/base:1" \
  --cache-dir "$work/cache" --to "oci:$work/out:img" "$@"; }
build >/dev/null 2>&1
: > "$work/checked"; : > "$work/unchecked"
n=1
while [ $n -le "$RUNS" ]; do
  timed build >> "$work/checked"
  timed build --no-check >> "$work/unchecked"
  n=$((n + 1))
done

before=$(blob_gets base)
java -jar "$JAR" build --release "$release" --from "$base_registry/bench/base:1" \
  --cache-dir "$work/cache-push" --to "$other_registry/bench/app:1" -q >/dev/null
push_gets=$(( $(blob_gets base) - before ))

printf 'check cold   median %5d ms over %d runs, layer blob GETs per run: %s (base has %d layers)\n' \
  "$(median < "$work/cold")" "$RUNS" "$(median < "$work/gets")" "$layers"
printf 'check warm   median %5d ms over %d runs, layer blob GETs in all: %d\n' \
  "$(median < "$work/warm")" "$RUNS" "$warm_gets"
printf 'build warm   median %5d ms with the check, %5d ms with --no-check\n' \
  "$(median < "$work/checked")" "$(median < "$work/unchecked")"
printf 'build to another registry, empty cache: %d layer blob GETs at the base registry (%d layers)\n' \
  "$push_gets" "$layers"
