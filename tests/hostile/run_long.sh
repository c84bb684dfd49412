#!/usr/bin/env bash
# The fault suite's long run: the same cases as in scripts/test.sh, with the
# issue's own sizes (200,000 retained topics, 15,000 silent connections,
# 2,000 unfinished 1 MiB packets, 20,000 messages in a damaged WAL). Needs
# root (cases mount a tmpfs). Installs what is missing, builds, runs every
# case serially, and writes what the canary measured during each case to
# build-test/hostile-long.md (the table in docs/security.md, "Fault suite").
# Arguments go to the test binary, e.g. --gtest_filter='RetainedFlood*'.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-deps.sh --with-tests
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEMQ_TESTS=ON >/dev/null
cmake --build build-test -j"$(nproc)" --target edgemq hostile_tests
out=build-test/hostile-long.log
status=0
EDGEMQ_HOSTILE_LONG=1 build-test/tests/hostile/hostile_tests "$@" 2>&1 | tee "$out" || status=$?
{
  echo "| case | what a well-behaved client saw meanwhile |"
  echo "|---|---|"
  sed -n 's/^\[ canary   \] \(.*\): canary: \(.*\)$/| \1 | \2 |/p' "$out"
  echo
  grep -E '^\[ (memory|restart)  +\]|^RSS ' "$out" | sed -E 's/^\[ (memory|restart) +\] //' || true
} > build-test/hostile-long.md
echo "== results: build-test/hostile-long.md"
cat build-test/hostile-long.md
exit "$status"
