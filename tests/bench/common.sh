# Sourced by the side-by-side benchmark scripts (compare.sh, queues.sh):
# the build they run, and starting, finding and stopping brokers on loopback.
# Expects `root` (the repository), `build` (the build directory) and
# `broker_pid` (set by the caller's start_broker) to exist.

# Builds edgemq and edgemq-bench (Release) unless EDGEMQ_BENCH_PREBUILT names
# a build to use; sets edgemq_bin and bench_bin.
bench_build() {
  if [ -z "${EDGEMQ_BENCH_PREBUILT:-}" ]; then
    bash scripts/install-deps.sh --with-bench
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEDGEMQ_TESTS=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target edgemq edgemq-bench >/dev/null
  fi
  local bin_dir=${EDGEMQ_BENCH_PREBUILT:-$root/$build}  # ctest passes its own build
  edgemq_bin=$bin_dir/gateway/edgemq
  bench_bin=$bin_dir/tests/bench/edgemq-bench
}

free_port() {  # a port nothing listens on, from the kernel's ephemeral range
  local p
  while :; do
    p=$((20000 + RANDOM % 10000))
    ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { echo "$p"; return; }
  done
}

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$(basename "$0"): broker did not listen on $1" >&2
  return 1
}

stop_broker() {
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}
