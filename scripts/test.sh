#!/usr/bin/env bash
# Quick start, part two: install what is missing, build, and run every test:
# the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the whole suite — unit, integration (real mosquitto and Paho clients
# against a real gateway process) and the kill -9 chaos test.
# .ci/run calls exactly this. Arguments go to the final ctest run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-tests
jobs=$(nproc)

echo "== unit tests under address,undefined sanitizers"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEDGEMQ_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$jobs" --target mqtt_tests ws_tests storage_tests core_tests net_tests app_tests admin_tests bench_tests ctl_tests
(cd build-asan && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest -L unit --output-on-failure --timeout 300 -j"$jobs")

echo "== the whole suite"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEMQ_TESTS=ON >/dev/null
cmake --build build-test -j"$jobs"
cd build-test
ctest --output-on-failure --timeout 600 -j"$jobs" "$@"
