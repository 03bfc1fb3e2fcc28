#!/bin/sh
# Warm builds of the demo through a TLS registry about 20 ms away (a proxy adding 10 ms each way,
# src/bench/lagproxy.py), where what counts is how many connections and TLS handshakes a build
# makes, and how many requests it sends one after the other, not the CPU. Each JAR (default
# target/relpack.jar; give two to compare) builds RUNS times (default 6), alternating, after two
# unmeasured builds; prints each one's median in ms. KIND=change builds instead the release
# directory of a copy of testdata/demo with one module changed before each build (mix release,
# not timed), cache kept: each build writes a new app layer, config and manifest. KIND=cold
# builds the release tarball with no cache and no state into a new repository each time.
#   sh src/bench/tls-latency.sh [JAR...]
#   KIND=change sh src/bench/tls-latency.sh [JAR...]
#   KIND=cold sh src/bench/tls-latency.sh [JAR...]
# Needs openssl, python3, docker-registry and skopeo (.ci/install installs the last two; and
# elixir for KIND=change).
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-6}
KIND=${KIND:-warm}
[ $# -gt 0 ] || set -- "$(pwd)/target/relpack.jar"
case $KIND in warm|change|cold) ;; *) echo "tls-latency: KIND is warm, change or cold, not $KIND" >&2; exit 2 ;; esac
sh .ci/install docker-registry skopeo openssl python3 umoci busybox-static curl
[ "$KIND" = warm ] || sh .ci/install elixir
work=$(mktemp -d "${TMPDIR:-/tmp}/relpack-latency.XXXXXX")
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { p=$(( 20000 + $1 + $$ % 20000 )); while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; [ $? -ne 7 ]; do p=$((p + 1)); done; echo $p; }
port=$(free_port 0); lag=$(free_port 7)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
  tls:
    certificate: $work/cert.pem
    key: $work/key.pem
YML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 & pids="$pids $!"
python3 src/bench/lagproxy.py "$lag" "$port" 0.010 > "$work/proxy.log" 2>&1 & pids="$pids $!"
until curl -s -o /dev/null --cacert "$work/cert.pem" "https://127.0.0.1:$lag/v2/"; do sleep 0.1; done
# the base: busybox on an empty image (the build skips the check: what is measured is the network)
umoci init --layout "$work/layout" >/dev/null
umoci new --image "$work/layout:base" >/dev/null
umoci unpack --rootless --image "$work/layout:base" "$work/bundle" >/dev/null
mkdir -p "$work/bundle/rootfs/bin" && cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
umoci repack --image "$work/layout:base" "$work/bundle" >/dev/null
mkdir -p "$work/certs" && cp "$work/cert.pem" "$work/certs/ca.crt"
skopeo copy --quiet --dest-cert-dir "$work/certs" "oci:$work/layout:base" "docker://127.0.0.1:$lag/base:1"
release=testdata/releases/demo-0.1.0.tar.gz
if [ "$KIND" = change ]; then
  cp -R testdata/demo "$work/demo"
  release="$work/demo/_build/prod/rel/demo"
fi
change() { # a one-module change, released (not timed)
  [ "$KIND" = change ] || return 0
  sed -i "s/otp #{System.otp_release()}.*\"/otp #{System.otp_release()} $(date +%s%N)\"/" "$work/demo/lib/demo/version.ex"
  (cd "$work/demo" && MIX_ENV=prod mix release --overwrite --quiet >/dev/null 2>&1) \
    || { echo "tls-latency: mix release failed in $work/demo" >&2; exit 1; }
}
build() { # jar n
  to="demo-$2"
  if [ "$KIND" = cold ]; then
    rm -rf "$work/state-$2" "$work/cache-$2"
    to="demo-$2-$(date +%s%N)"
  fi
  XDG_STATE_HOME="$work/state-$2" java -jar "$1" build --release "$release" \
    --from "127.0.0.1:$lag/base:1" --no-check --to "127.0.0.1:$lag/$to:1" \
    --registry-ca "$work/cert.pem" --cache-dir "$work/cache-$2" -q >/dev/null 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
}
n=0
for jar in "$@"; do n=$((n + 1)); change; build "$jar" $n; change; build "$jar" $n; : > "$work/times-$n"; done
i=0
while [ $i -lt "$RUNS" ]; do
  n=0
  for jar in "$@"; do
    n=$((n + 1))
    change
    start=$(date +%s%N); build "$jar" $n; end=$(date +%s%N)
    echo $(( (end - start) / 1000000 )) >> "$work/times-$n"
  done
  i=$((i + 1))
done
n=0
for jar in "$@"; do
  n=$((n + 1))
  echo "$jar: $KIND build through TLS, 20 ms round trips: median $(sort -n "$work/times-$n" | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}') ms of $RUNS ($(tr '\n' ' ' < "$work/times-$n"))"
done
