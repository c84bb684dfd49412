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
flags=(-O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
case "$target" in
  mqtt_decoder)
    clang++ -std=c++20 "${flags[@]}" -I"$root" "$here/${target}_fuzz.cpp" "$root"/protocols/mqtt/*.cpp \
      -o "$out/${target}_fuzz" ;;
  ws_transport)
    # llhttp is C (Debian's node-llhttp sources): compiled as C, without the fuzzer's main.
    llhttp=/usr/share/llhttp
    for c in api http llhttp; do
      clang -O1 -g -fsanitize=address,undefined -I/usr/share/include/llhttp -c "$llhttp/$c.c" -o "$out/llhttp_$c.o"
    done
    clang++ -std=c++20 "${flags[@]}" -I"$root" -isystem /usr/share/include/llhttp "$here/${target}_fuzz.cpp" \
      "$root"/protocols/ws/*.cpp "$out"/llhttp_*.o -lwslay -lcrypto -o "$out/${target}_fuzz" ;;
  *) echo "run.sh: unknown target $target" >&2; exit 2 ;;
esac
cd "$out"
"./${target}_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=5 -print_final_stats=1 \
  "corpus-$target" "$here/corpus/$target"
