#!/usr/bin/env bash
# Installs every Debian package edgemq needs to build, run, test and benchmark.
# The README's quick start, .ci/run and docker/Dockerfile all call this one script,
# so a fresh Debian 12 machine (as root) and the image get the same set.
set -euo pipefail
cd "$(dirname "$0")/.."

# node-llhttp is Debian's packaging of llhttp, Node's HTTP parser: its C
# sources (/usr/share/llhttp) parse the WebSocket upgrade request; wslay
# frames the WebSocket stream [RFC 6455 5]. OpenSSL gives the handshake's
# SHA-1 and the MQTTS/WSS listeners' TLS. nlohmann-json writes and reads the
# admin endpoint's JSON. libcurl is edgemqctl's HTTP(S) client (docs/edgemqctl.md).
build_pkgs=(
  cmake g++ make pkg-config
  libuv1-dev librocksdb-dev libmsgpack-cxx-dev
  libtomlplusplus-dev libspdlog-dev
  node-llhttp libwslay-dev libssl-dev
  nlohmann-json3-dev
  libcurl4-openssl-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev
  mosquitto-clients mosquitto
  clang libclang-rt-14-dev
  openssl
  chromium
  curl
)

# tests/bench/compare.sh runs Mosquitto beside edgemq, reads results with jq
# and makes its TLS certificates with openssl.
bench_pkgs=(mosquitto jq openssl)

want=("${build_pkgs[@]}")
with_tests=0
for arg in "$@"; do
  case "$arg" in
    --with-tests) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}"); with_tests=1 ;;  # the suite runs a smoke comparison
    --with-bench) want+=("${bench_pkgs[@]}") ;;
    *) echo "install-deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done
# The WebSocket and TLS tests drive MQTT.js under Node: the machine's own Node if it
# has one, else Debian's.
if [ "$with_tests" = 1 ] && ! command -v npm >/dev/null; then want+=(nodejs npm); fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# MQTT.js and playwright-core (which drives Debian's chromium for the browser
# test), at the versions tests/js/package-lock.json pins.
if [ "$with_tests" = 1 ] && { [ ! -d tests/js/node_modules/mqtt ] || [ ! -d tests/js/node_modules/playwright-core ]; }; then
  echo "install-deps: npm ci in tests/js"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi

# Prometheus itself scrapes a gateway in tests/integration/prometheus_test.cpp
# (and promtool lints /metrics): Debian's package, unpacked into tests/.tools
# rather than installed, so no service starts and nothing outside the tree
# changes.
prom_dir=tests/.tools/prometheus
if [ "$with_tests" = 1 ] && [ ! -x "$prom_dir/usr/bin/prometheus" ]; then
  echo "install-deps: unpacking Debian's prometheus into $prom_dir"
  tmp=$(mktemp -d)
  chmod 755 "$tmp"  # apt's download sandbox user must be able to write there
  if ! (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null); then
    "${sudo_cmd[@]}" apt-get update -qq
    (cd "$tmp" && apt-get download -qq prometheus)
  fi
  mkdir -p "$prom_dir"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$prom_dir"
  rm -rf "$tmp"
fi
