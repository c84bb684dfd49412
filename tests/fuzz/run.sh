#!/usr/bin/env bash
# Builds and runs a libFuzzer target with clang (address + undefined
# sanitizers) over its seed corpus in tests/fuzz/corpus/<target>.
#   tests/fuzz/run.sh mqtt_decoder 30     # fuzz for 30 seconds (CI runs a short smoke)
# New inputs libFuzzer finds go to a scratch corpus in the build folder, so
# the committed seeds change only by hand. A crash leaves crash-* files there.
set -euo pipefail
target=${1:?target name, e.g. mqtt_decoder}
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${EDGEMQ_FUZZ_DIR:-$root/build-fuzz}
mkdir -p "$out/corpus-$target"
sources=$(ls "$root"/protocols/mqtt/*.cpp)
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" "$here/${target}_fuzz.cpp" $sources -o "$out/${target}_fuzz"
cd "$out"
"./${target}_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=5 -print_final_stats=1 \
  "corpus-$target" "$here/corpus/$target"
