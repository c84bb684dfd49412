#!/usr/bin/env bash
# Quick start, part two: install what is missing, build, and run every test:
# unit, integration (real mosquitto and Paho clients against a real gateway
# process) and the kill -9 chaos test. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-tests
jobs=$(nproc)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEMQ_TESTS=ON >/dev/null
cmake --build build-test -j"$jobs"
cd build-test
ctest --output-on-failure --timeout 600 -j"$jobs" "$@"
