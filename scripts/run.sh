#!/usr/bin/env bash
# Quick start, part one: install what is missing, build, and run the gateway
# on its embedded defaults (MQTT on 0.0.0.0:1883, the admin endpoint on
# 127.0.0.1:18083, RocksDB under ./data). edgemqctl, the admin API's
# command-line client, is built beside it: build/gateway/edgemqctl status.
# Extra arguments go to edgemq, e.g. scripts/run.sh --listen-mqtt 127.0.0.1:18830
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEDGEMQ_TESTS=OFF >/dev/null
cmake --build build --target edgemq edgemqctl -j"$(nproc)"
exec build/gateway/edgemq "$@"
