#!/usr/bin/env bash
# The image's scripts, outside Docker (CI has no Docker engine): docker/entrypoint.sh
# and docker/healthcheck.sh against the real gateway binary, and
# docker/Dockerfile against this machine's Debian packages.
#
#   tests/docker/entrypoint_test.sh BUILD/gateway/edgemq
#
# Every gateway listens on 127.0.0.1 (port 0, or a free port it is told),
# with its data in a temporary directory. Every wait is bounded; only the
# processes this script starts are signalled. Ends with "N passed, N failed,
# N skipped"; exit status 0 when nothing failed.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/edgemq (a built gateway)" >&2
  exit 2
fi
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
entry=$root/docker/entrypoint.sh
health=$root/docker/healthcheck.sh
# EDGEMQ_TEST_DOCKERFILE: another Dockerfile to check (to see the checks fail on a broken one).
dockerfile=${EDGEMQ_TEST_DOCKERFILE:-$root/docker/Dockerfile}
export EDGEMQ_DOCKERFILE=$dockerfile  # read by docker/runtime-packages.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edgemq-docker-test.XXXXXX")
chmod 755 "$tmp"  # the unwritable-directory case runs as another user
started=()

cleanup() {
  local p
  for p in "${started[@]}"; do
    if alive "$p"; then kill -KILL "$p" 2>/dev/null; fi
  done
  for p in "${started[@]}"; do wait "$p" 2>/dev/null; done
  if [ -z "${EDGEMQ_TEST_KEEP:-}" ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
}
trap cleanup EXIT

passed=0
failed=0
skipped=0
ok() {
  echo "ok: $*"
  passed=$((passed + 1))
}
bad() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}
skip() {
  echo "skip: $*"
  skipped=$((skipped + 1))
}
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
verdict() {  # after a condition: COND && COND; verdict DESCRIPTION
  local status=$?
  if [ "$status" = 0 ]; then ok "$1"; else bad "$1"; fi
}
show_log() { sed 's/^/    | /' "$1"; }

# A started process that has not exited (an exited child stays a zombie until waited for).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# wait_exit PID SECONDS: sets exit_status; status 1 if still running after SECONDS.
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    [ $SECONDS -ge "$deadline" ] && return 1
    sleep 0.1
  done
  wait "$pid"
  exit_status=$?
}

# wait_log FILE REGEX SECONDS [PID]: until a line of FILE matches, PID exits, or time is up.
wait_log() {
  local file=$1 re=$2 deadline=$((SECONDS + $3)) pid=${4:-}
  until grep -Eq -- "$re" "$file" 2>/dev/null; do
    if [ $SECONDS -ge "$deadline" ] || { [ -n "$pid" ] && ! alive "$pid"; }; then
      grep -Eq -- "$re" "$file" 2>/dev/null
      return
    fi
    sleep 0.1
  done
}

# The port a log line reports: log_port FILE 'admin endpoint on'
log_port() { sed -nE "s/.*$2 .*\(port ([0-9]+)\).*/\1/p" "$1" | head -n 1; }

# A port nothing listens on (a small race with other processes is handled by
# retrying the start), below the usual ephemeral range.
listening_ports() {
  local _sl local_addr _rem state _rest
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | while read -r _sl local_addr _rem state _rest; do
    [ "$state" = 0A ] && echo $((16#${local_addr##*:}))
  done
}
free_port() {
  local p used
  used=$(listening_ports | tr '\n' ' ')
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 12000))
    case " $used " in *" $p "*) continue ;; esac
    echo "$p"
    return
  done
  echo 0
}

# Runs the entrypoint in the background, with an environment of its own:
# start NAME [VAR=VALUE ...] [-- ARGS...]; sets pid and log. Every path the
# entrypoint would look at in a container points into NAME's directory.
start() {
  local name=$1 dir
  shift
  dir=$tmp/$name
  mkdir -p "$dir"
  log=$dir/log
  local vars=(PATH="$PATH" HOME="$dir" EDGEMQ_BIN="$bin" EDGEMQ_DEFAULT_CONFIG="$dir/etc/edgemq.toml"
    EDGEMQ_DEFAULT_DATA_DIR="$dir/data" EDGEMQ_DEFAULT_LISTEN_ADMIN=0.0.0.0:0 EDGEMQ_WORKERS=1)
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    vars+=("$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  env -i "${vars[@]}" bash "$entry" "$@" >"$log" 2>&1 &
  pid=$!
  started+=("$pid")
}

# healthcheck [VAR=VALUE ...]: runs docker/healthcheck.sh in a clean environment,
# sets health_out and health_status.
healthcheck() {
  health_out=$(env -i PATH="$PATH" EDGEMQ_DEFAULT_CONFIG="$tmp/none.toml" "$@" bash "$health" 2>&1)
  health_status=$?
}

stop_gateway() {  # SIGTERM, and a bounded wait
  kill -TERM "$pid" 2>/dev/null
  wait_exit "$pid" 20 || { kill -KILL "$pid"; wait "$pid" 2>/dev/null; exit_status=timeout; }
}

echo "== the entrypoint with variables, container defaults and the health check"
# A lower soft limit than the hard one, for the entrypoint to raise.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 1024 ]; then ulimit -Sn 1024; fi
start env EDGEMQ_LISTEN_MQTT=127.0.0.1:0 EDGEMQ_LISTEN_WS=127.0.0.1:0 EDGEMQ_WS_PATHS=/from-env
ulimit -Sn "$hard" 2>/dev/null
if wait_log "$log" 'admin endpoint on .*\(port [0-9]+\)' 20 "$pid" &&
  wait_log "$log" 'listening on mqtt over websocket' 5 "$pid"; then
  ok "the gateway starts through the entrypoint"
  dir=$tmp/env
  check "exec: the started PID is the gateway itself" [ "$(readlink "/proc/$pid/exe")" = "$bin" ]
  check "data_dir defaults to EDGEMQ_DEFAULT_DATA_DIR (created)" grep -q "data in $dir/data," "$log"
  check "the store is in it" [ -f "$dir/data/CURRENT" ]
  check "listen_admin defaults to 0.0.0.0, and without tokens the gateway binds loopback and warns" \
    grep -q "no admin_tokens configured, so it listens on 127.0.0.1:0 only (not 0.0.0.0:0)" "$log"
  mqtt_port=$(log_port "$log" 'listening on mqtt')
  ws_port=$(log_port "$log" 'listening on mqtt over websocket')
  admin_port=$(log_port "$log" 'admin endpoint on')
  check "EDGEMQ_LISTEN_MQTT reaches the gateway" grep -q "listening on mqtt 127.0.0.1:0 (port $mqtt_port)" "$log"
  check "EDGEMQ_WS_PATHS reaches the gateway" grep -q "paths /from-env" "$log"
  check "the MQTT port accepts connections" bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port" 2>/dev/null
  soft_now=$(awk '/^Max open files/ {print $4}' "/proc/$pid/limits")
  if [ "$hard" = unlimited ]; then
    check "the open-files soft limit is raised" [ "$soft_now" -gt 1024 ]
  else
    check "the open-files soft limit is raised to the hard one ($hard)" [ "$soft_now" = "$hard" ]
  fi

  healthcheck EDGEMQ_HEALTHCHECK_ADDR="127.0.0.1:$admin_port"
  check "healthcheck: healthy (exit 0, HTTP 200)" [ "$health_status" = 0 ]
  case $health_out in
    *"HTTP/1.1 200"*"\"mqtt\":$mqtt_port"*) ok "healthcheck: prints the health answer, with the MQTT port" ;;
    *) bad "healthcheck: prints the health answer, with the MQTT port: $health_out" ;;
  esac
  healthcheck EDGEMQ_LISTEN_ADMIN="0.0.0.0:$admin_port"
  check "healthcheck: port from EDGEMQ_LISTEN_ADMIN, asked on loopback" [ "$health_status" = 0 ]
  healthcheck EDGEMQ_HEALTHCHECK_ADDR="127.0.0.1:$ws_port"
  check "healthcheck: an HTTP answer that is not 200 (the WebSocket listener's 404) is unhealthy" \
    [ "$health_status" = 1 ]
  healthcheck EDGEMQ_HEALTHCHECK_ADDR=127.0.0.1:1
  check "healthcheck: nothing listening is unhealthy" [ "$health_status" = 1 ]
  healthcheck EDGEMQ_LISTEN_ADMIN=
  [ "$health_status" = 1 ] &&
    [[ $health_out == *"admin endpoint is off"* ]]
  verdict "healthcheck: admin endpoint off is unhealthy, and says so"

  # A stopped gateway still completes TCP handshakes (the kernel does) but
  # never answers: the check must give up on time.
  kill -STOP "$pid"
  t0=$SECONDS
  healthcheck EDGEMQ_HEALTHCHECK_ADDR="127.0.0.1:$admin_port" EDGEMQ_HEALTHCHECK_TIMEOUT=2
  took=$((SECONDS - t0))
  kill -CONT "$pid"
  [ "$health_status" = 1 ] &&
    [ "$took" -le 4 ] &&
    [[ $health_out == *"no answer within 2s"* ]]
  verdict "healthcheck: a gateway that does not answer is unhealthy within the limit (took ${took}s)"

  stop_gateway
  check "SIGTERM: the gateway exits 0 (status $exit_status)" [ "$exit_status" = 0 ]
  check "SIGTERM: after flushing the store" grep -q "store flushed" "$log"
else
  bad "the gateway starts through the entrypoint"
  show_log "$log"
fi

echo "== a TOML file at the default path"
for try in 1 2 3; do
  admin_port=$(free_port)
  dir=$tmp/toml$try
  mkdir -p "$dir/etc"
  cat >"$dir/etc/edgemq.toml" <<EOF
# as mounted at /etc/edgemq/edgemq.toml
listen_mqtt = "127.0.0.1:0"
listen_ws = "127.0.0.1:0"
ws_paths = "/from-toml"
listen_admin = "127.0.0.1:$admin_port"
data_dir = "$dir/toml-data"   # not the container default
EOF
  start "toml$try"
  wait_log "$log" 'admin endpoint on .*\(port [0-9]+\)|cannot listen' 20 "$pid"
  grep -q "cannot listen" "$log" || break  # someone took the port: another one
  wait_exit "$pid" 5
done
if grep -q "admin endpoint on 127.0.0.1:$admin_port" "$log"; then
  ok "the gateway starts with the file"
  check "the entrypoint says which file" grep -q "configuration file $dir/etc/edgemq.toml" "$log"
  check "the file's keys reach the gateway" grep -q "paths /from-toml" "$log"
  check "the file's data_dir is not overridden by the container default" grep -q "data in $dir/toml-data," "$log"
  check "... and the default directory is not made" [ ! -e "$dir/data" ]
  if grep -q "no admin_tokens configured" "$log"; then
    bad "the file's listen_admin is not overridden by the container default"
  else
    ok "the file's listen_admin is not overridden by the container default"
  fi
  healthcheck EDGEMQ_DEFAULT_CONFIG="$dir/etc/edgemq.toml"
  check "healthcheck: port from the file's listen_admin" [ "$health_status" = 0 ]
  stop_gateway
  check "SIGTERM: exits 0 (status $exit_status)" [ "$exit_status" = 0 ]
else
  bad "the gateway starts with the file"
  show_log "$log"
fi

echo "== which configuration, which defaults (a stand-in gateway that prints what it got)"
stub=$tmp/stub-edgemq
cat >"$stub" <<'STUB'
#!/bin/sh
env | grep '^EDGEMQ_' | grep -v -e '^EDGEMQ_DEFAULT_' -e '^EDGEMQ_BIN=' | sort
echo "args: $*"
STUB
chmod 755 "$stub"
cp "$entry" "$tmp/entrypoint.sh"
chmod 644 "$tmp/entrypoint.sh"
# run_stub NAME [VAR=VALUE ...] [-- ARGS...]: sets out and run_status.
run_stub() {
  local name=$1 dir
  shift
  dir=$tmp/$name
  mkdir -p "$dir"
  local vars=(PATH="$PATH" HOME="$dir" EDGEMQ_BIN="$stub" EDGEMQ_DEFAULT_CONFIG="$dir/etc/edgemq.toml"
    EDGEMQ_DEFAULT_DATA_DIR="$dir/data" EDGEMQ_DEFAULT_LISTEN_ADMIN=0.0.0.0:0)
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    vars+=("$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  out=$(timeout 20 env -i "${vars[@]}" bash "$tmp/entrypoint.sh" "$@" 2>&1)
  run_status=$?
}
has() { [[ $out == *"$1"* ]]; }
lacks() { [[ $out != *"$1"* ]]; }

run_stub plain
has "EDGEMQ_DATA_DIR=$tmp/plain/data" &&
  has "EDGEMQ_LISTEN_ADMIN=0.0.0.0:0" &&
  [ -d "$tmp/plain/data" ]
verdict "nothing set: data_dir and listen_admin get the container defaults"
lacks "EDGEMQ_CONFIG" &&
  lacks "configuration file"
verdict "nothing set: no configuration file"

run_stub vars EDGEMQ_DATA_DIR="$tmp/vars/mine" EDGEMQ_LISTEN_ADMIN=
has "EDGEMQ_DATA_DIR=$tmp/vars/mine" &&
  has "EDGEMQ_LISTEN_ADMIN=" &&
  lacks "0.0.0.0:0" &&
  [ -d "$tmp/vars/mine" ]
verdict "variables set by the user stay as they are (an empty one too)"

run_stub flags -- --data-dir "$tmp/flags/by-flag" --listen-admin=127.0.0.1:0
lacks "EDGEMQ_DATA_DIR" &&
  lacks "EDGEMQ_LISTEN_ADMIN" &&
  has "args: --data-dir $tmp/flags/by-flag --listen-admin=127.0.0.1:0" &&
  [ -d "$tmp/flags/by-flag" ]
verdict "flags win: no default exported, arguments passed on unchanged, the flag's directory checked"

mkdir -p "$tmp/file/etc"
printf 'log_level = "debug"\n' >"$tmp/file/etc/edgemq.toml"
run_stub file
has "EDGEMQ_CONFIG=$tmp/file/etc/edgemq.toml" &&
  has "configuration file $tmp/file/etc/edgemq.toml"
verdict "a file at the default path is used (EDGEMQ_CONFIG) and named"
check "... and the defaults still apply for keys it does not set" has "EDGEMQ_DATA_DIR=$tmp/file/data"

mkdir -p "$tmp/explicit/etc"
printf 'log_level = "debug"\n' >"$tmp/explicit/etc/edgemq.toml"
printf 'data_dir = "%s"\n' "$tmp/explicit/other-data" >"$tmp/explicit/other.toml"
run_stub explicit EDGEMQ_CONFIG="$tmp/explicit/other.toml"
has "EDGEMQ_CONFIG=$tmp/explicit/other.toml" &&
  lacks "etc/edgemq.toml"
verdict "EDGEMQ_CONFIG wins over the default path"
lacks "EDGEMQ_DATA_DIR" &&
  has "data directory $tmp/explicit/other-data" &&
  [ -d "$tmp/explicit/other-data" ]
verdict "... its data_dir is left to the gateway (no EDGEMQ_DATA_DIR) and checked"

mkdir -p "$tmp/none/etc"
printf 'log_level = "debug"\n' >"$tmp/none/etc/edgemq.toml"
run_stub none EDGEMQ_CONFIG=
lacks "configuration file" &&
  has "EDGEMQ_CONFIG=" &&
  lacks "EDGEMQ_CONFIG=$tmp"
verdict "EDGEMQ_CONFIG set empty: no file, even with one at the default path"

mkdir -p "$tmp/flagcfg/etc"
printf 'log_level = "debug"\n' >"$tmp/flagcfg/etc/edgemq.toml"
run_stub flagcfg -- --config "$tmp/explicit/other.toml"
has "configuration file $tmp/explicit/other.toml" &&
  lacks "EDGEMQ_CONFIG"
verdict "--config wins over the default path"

mkdir -p "$tmp/dirmount/etc/edgemq.toml"
run_stub dirmount
[ "$run_status" = 78 ] &&
  has "is a directory" &&
  lacks "args:"
verdict "a directory at the config path (a bind mount of a missing host file): exit 78, explained"

run_stub missing EDGEMQ_CONFIG="$tmp/missing/nope.toml"
[ "$run_status" = 78 ] &&
  has "$tmp/missing/nope.toml is not a file" &&
  lacks "args:"
verdict "EDGEMQ_CONFIG naming a missing file: exit 78, explained"

run_stub named -- edgemq --log-level debug
has "args: --log-level debug" &&
  has "EDGEMQ_DATA_DIR="
verdict "'edgemq --flag' is the same as '--flag'"
run_stub salvage -- salvage
has "args: salvage" &&
  has "EDGEMQ_DATA_DIR=$tmp/salvage/data"
verdict "'salvage' goes to the gateway, with the container's data directory"
run_stub command -- echo from-a-command
check "another command runs instead of the gateway" [ "$out" = from-a-command ]
run_stub nobin EDGEMQ_BIN="$tmp/nobin/edgemq"
[ "$run_status" = 1 ] &&
  has "EDGEMQ_BIN"
verdict "a missing gateway binary: exit 1, explained"

echo "== a data directory the gateway cannot use (the real gateway: it must not start)"
mkdir -p "$tmp/under-file"
: >"$tmp/under-file/a-file"
run_stub under-file EDGEMQ_BIN="$bin" EDGEMQ_DATA_DIR="$tmp/under-file/a-file/data"
[ "$run_status" = 73 ] &&
  has "does not exist and uid $(id -u) gid $(id -g) cannot create it" &&
  lacks "listening"
verdict "one that cannot be created: exit 73, explained, gateway not started"
run_stub is-file EDGEMQ_BIN="$bin" EDGEMQ_DATA_DIR="$tmp/under-file/a-file"
[ "$run_status" = 73 ] &&
  has "is not a directory"
verdict "one that is a file: exit 73, explained"

mkdir -p "$tmp/readonly/data"
chmod 555 "$tmp/readonly/data"
ro_cmd=()
if [ "$(id -u)" = 0 ]; then
  # root writes anywhere: be an ordinary user, as the image's edgemq is.
  if command -v setpriv >/dev/null; then ro_cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
fi
if [ "$(id -u)" = 0 ] && [ ${#ro_cmd[@]} -eq 0 ]; then
  skip "read-only data directory: running as root and setpriv is missing"
else
  ro_out=$(timeout 20 "${ro_cmd[@]}" env -i PATH="$PATH" EDGEMQ_BIN="$stub" \
    EDGEMQ_DEFAULT_CONFIG="$tmp/readonly/none.toml" EDGEMQ_DATA_DIR="$tmp/readonly/data" \
    bash "$tmp/entrypoint.sh" 2>&1)
  ro_status=$?
  if [ "$ro_status" = 73 ] && [[ $ro_out == *"data directory $tmp/readonly/data is not writable by uid"* ]] &&
    [[ $ro_out == *"chown -R"* ]] && [[ $ro_out != *"args:"* ]]; then
    ok "one that is not writable: exit 73, says which uid and what to do"
  else
    bad "one that is not writable: exit 73, says which uid and what to do (status $ro_status): $ro_out"
  fi
fi

echo "== docker/Dockerfile against the install script, Debian and the binary"
check "the build stage runs scripts/install-deps.sh" grep -Eq '^RUN .*bash scripts/install-deps\.sh' "$dockerfile"
check "the build stage builds the edgemq target in Release without tests" \
  grep -Eq 'cmake -S \. -B build -DCMAKE_BUILD_TYPE=Release -DEDGEMQ_TESTS=OFF' "$dockerfile"
grep -q 'COPY .*docker/entrypoint.sh' "$dockerfile" &&
  grep -q 'COPY .*docker/healthcheck.sh' "$dockerfile" &&
  grep -q '^HEALTHCHECK' "$dockerfile"
verdict "the final stage uses the entrypoint and the health check"
mapfile -t runtime < <(bash "$root/docker/runtime-packages.sh" list)
check "the Dockerfile names its runtime packages (${#runtime[@]})" [ ${#runtime[@]} -gt 0 ]

if ! command -v dpkg-query >/dev/null; then
  skip "runtime packages and ldd: no dpkg on this machine (not Debian)"
else
  apt_lists=0
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null && apt_lists=1
  for p in "${runtime[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      ok "runtime package $p exists (installed here)"
    elif [ "$apt_lists" = 0 ]; then
      skip "runtime package $p: not installed and no apt metadata (run apt-get update)"
    elif apt-cache show "$p" >/dev/null 2>&1; then
      ok "runtime package $p exists (apt-cache)"
    else
      bad "runtime package $p exists in Debian"
    fi
  done

  ldd_out=$(ldd "$bin" 2>&1)
  if grep -Eq 'lib(asan|ubsan|tsan|lsan)' <<<"$ldd_out"; then
    skip "ldd check: $bin is a sanitizer build, not what the image ships"
  else
    mapfile -t closure < <(bash "$root/docker/runtime-packages.sh" closure)
    declare -A in_closure=() used=()
    for p in "${closure[@]}"; do in_closure[$p]=1; done
    missing=()
    while read -r lib path; do
      if [ "$path" = "not" ]; then
        bad "ldd: $lib is not found on this machine"
        continue
      fi
      owner=
      for candidate in "$path" "$(realpath "$path")" "/usr$path" "$(realpath "$path" | sed 's|^/usr||')"; do
        owner=$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$owner" ] && break
      done
      if [ -z "$owner" ]; then
        missing+=("$lib (no package owns $path)")
      elif [ -z "${in_closure[$owner]:-}" ]; then
        missing+=("$lib ($owner)")
      else
        used[$owner]=1
      fi
    done < <(awk '$2 == "=>" { print $1, $3 }' <<<"$ldd_out")
    if [ ${#missing[@]} -eq 0 ]; then
      ok "ldd: every library the gateway loads comes with the Dockerfile's runtime packages (${#used[@]} packages)"
    else
      bad "ldd: libraries outside the Dockerfile's runtime packages and their dependencies: ${missing[*]}"
    fi
    unused=()
    for p in "${runtime[@]}"; do
      [[ $p == lib* ]] && [ -z "${used[$p]:-}" ] && unused+=("$p")
    done
    check "every library package the Dockerfile names is loaded by the gateway${unused[*]:+ (not: ${unused[*]})}" \
      [ ${#unused[@]} -eq 0 ]
  fi
fi

if command -v shellcheck >/dev/null; then
  check "shellcheck: the image's scripts and this test" \
    shellcheck "$root"/docker/*.sh "$root/tests/docker/entrypoint_test.sh"
else
  skip "shellcheck is not installed"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
