#!/usr/bin/env bash
# The runtime packages of the image, as docker/Dockerfile names them, and what
# follows from them on this machine's dpkg database (no Docker needed):
#
#   docker/runtime-packages.sh list              the packages the Dockerfile's final stage installs
#   docker/runtime-packages.sh closure           those and everything they depend on, recursively
#   docker/runtime-packages.sh base              what debian:bookworm-slim already holds: Priority
#                                                required, Essential, apt, and their dependencies
#   docker/runtime-packages.sh estimate BINARY   the image size estimate of docs/edge.md
#
# tests/docker/entrypoint_test.sh uses `list` and `closure` to check that the
# libraries the built gateway loads are all installed by the final stage.
# Dependencies are read from the installed packages (dpkg-query), so the
# result describes this machine's versions, which are Debian 12's.
set -euo pipefail

dockerfile=${EDGEMQ_DOCKERFILE:-$(cd "$(dirname "$0")" && pwd)/Dockerfile}

# The Dockerfile names its runtime packages on one line, ARG RUNTIME_PACKAGES="...".
list() {
  local line
  line=$(grep -E '^ARG RUNTIME_PACKAGES=' "$dockerfile") || {
    echo "runtime-packages: no 'ARG RUNTIME_PACKAGES=' line in $dockerfile" >&2
    return 1
  }
  line=${line#*=}
  read -ra names <<<"${line//\"/}"
  printf '%s\n' "${names[@]}"
}

# One pass over the dpkg database: for each installed package its size (KiB),
# priority, essential flag and dependencies; and which package provides each
# virtual name.
declare -A size=() prio=() essential=() deps=() provider=()
load_db() {
  local pkg status sz pr es dp pv p
  while IFS=$'\t' read -r pkg status sz pr es dp pv; do
    [[ $status == ii* ]] || continue
    size[$pkg]=${sz:-0}
    prio[$pkg]=$pr
    essential[$pkg]=$es
    deps[$pkg]=$dp
    if [ -n "$pv" ]; then
      IFS=',' read -ra provided <<<"$pv"
      for p in "${provided[@]}"; do
        p=${p%%(*}
        p=${p// /}
        [ -n "$p" ] && [ -z "${provider[$p]:-}" ] && provider[$p]=$pkg
      done
    fi
  done < <(dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Installed-Size}\t${Priority}\t${Essential}\t${Pre-Depends}, ${Depends}\t${Provides}\n')
}

# The installed package that satisfies one dependency clause ("a (>= 1) | b:any").
resolve() {
  local clause=$1 alt name
  IFS='|' read -ra alts <<<"$clause"
  for alt in "${alts[@]}"; do
    name=${alt%%(*}
    name=${name%%:*}
    name=${name// /}
    [ -z "$name" ] && continue
    if [ -n "${size[$name]+x}" ]; then echo "$name"; return; fi
    if [ -n "${provider[$name]:-}" ]; then echo "${provider[$name]}"; return; fi
  done
}

# Prints the packages named as arguments and all they depend on, one a line.
closure_of() {
  local -A seen=()
  local queue=("$@") p d c
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    [ -n "${seen[$p]:-}" ] && continue
    seen[$p]=1
    IFS=',' read -ra clauses <<<"${deps[$p]:-}"
    for c in "${clauses[@]}"; do
      d=$(resolve "$c")
      [ -n "$d" ] && [ -z "${seen[$d]:-}" ] && queue+=("$d")
    done
  done
  printf '%s\n' "${!seen[@]}" | sort
}

base_roots() {
  local p
  echo apt
  for p in "${!size[@]}"; do
    if [ "${prio[$p]}" = required ] || [ "${essential[$p]}" = yes ]; then echo "$p"; fi
  done
}

case "${1:-}" in
  list)
    list
    ;;
  closure)
    load_db
    mapfile -t pkgs < <(list)
    closure_of "${pkgs[@]}"
    ;;
  base)
    load_db
    mapfile -t roots < <(base_roots)
    closure_of "${roots[@]}"
    ;;
  estimate)
    binary=${2:?usage: $0 estimate BINARY}
    load_db
    mapfile -t pkgs < <(list)
    for p in "${pkgs[@]}"; do
      [ -n "${size[$p]+x}" ] || { echo "runtime-packages: $p is not installed here; install it to estimate" >&2; exit 1; }
    done
    mapfile -t roots < <(base_roots)
    declare -A in_base=()
    while read -r p; do in_base[$p]=1; done < <(closure_of "${roots[@]}")
    added_kib=0
    echo "packages the final stage adds to debian:bookworm-slim (Installed-Size, KiB):"
    while read -r p; do
      if [ -n "${in_base[$p]:-}" ]; then continue; fi
      printf '  %-24s %8s\n' "$p" "${size[$p]}"
      added_kib=$((added_kib + size[$p]))
    done < <(closure_of "${pkgs[@]}")
    bin_kib=$(( ($(stat -c %s "$binary") + 1023) / 1024 ))
    printf '  %-24s %8s\n' "(edgemq binary)" "$bin_kib"
    printf '  %-24s %8s\n' "(entrypoint, healthcheck)" 8
    layer_kib=$((added_kib + bin_kib + 8))
    base_full_kib=0
    for p in "${!in_base[@]}"; do base_full_kib=$((base_full_kib + ${size[$p]:-0})); done
    echo "added by the final stage: $((layer_kib / 1024)) MiB ($((layer_kib * 1024 / 1000000)) MB)"
    echo "the base's own packages (${#in_base[@]}) come to $((base_full_kib / 1024)) MiB with their docs and"
    echo "locales; debian:bookworm-slim drops those and is about 75 MB (docs/edge.md): add the two."
    ;;
  *)
    echo "usage: $0 list | closure | base | estimate BINARY" >&2
    exit 2
    ;;
esac
