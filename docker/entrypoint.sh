#!/usr/bin/env bash
# The image's entrypoint: prepares what the container needs and then becomes
# the gateway (exec), so edgemq is PID 1 and gets docker's SIGTERM and SIGHUP
# itself. Arguments go to edgemq as flags: `docker run edgemq --log-level debug`
# (or, first, its subcommand: `docker run -v data:/data edgemq salvage`).
#
# 1. Configuration file: /etc/edgemq/edgemq.toml, if it exists and neither
#    EDGEMQ_CONFIG nor --config is given (EDGEMQ_CONFIG set but empty: none).
# 2. Container defaults, each only where no EDGEMQ_<KEY> variable, --<key>
#    flag or line of the configuration file sets the key, so the gateway's own
#    order (file < environment < flags) still holds for everything the user
#    says: data_dir = /data, listen_admin = 0.0.0.0:18083.
# 3. The data directory must be writable by this user; if not, a message that
#    says which directory, which uid and what to do, and exit status 73.
# 4. The soft limit on open files goes up to the hard limit (one descriptor
#    per connection; `ulimits` in compose, `--ulimit nofile=` in docker run).
# 5. exec edgemq "$@".
#
# Every path is a variable, so tests/docker/entrypoint_test.sh runs this
# script outside Docker against a built gateway:
#   EDGEMQ_BIN                  the gateway (/usr/local/bin/edgemq)
#   EDGEMQ_DEFAULT_CONFIG       the configuration file looked for (/etc/edgemq/edgemq.toml)
#   EDGEMQ_DEFAULT_DATA_DIR     data_dir when nothing else sets it (/data)
#   EDGEMQ_DEFAULT_LISTEN_ADMIN listen_admin when nothing else sets it (0.0.0.0:18083)
# Exit status before the gateway starts: 73 data directory not usable, 78
# configuration file not usable, 1 gateway binary missing; after exec, the
# gateway's own (0 after SIGTERM, 2 bad configuration, 1 cannot start).
set -euo pipefail

bin=${EDGEMQ_BIN:-/usr/local/bin/edgemq}
default_config=${EDGEMQ_DEFAULT_CONFIG:-/etc/edgemq/edgemq.toml}
default_data_dir=${EDGEMQ_DEFAULT_DATA_DIR:-/data}
default_listen_admin=${EDGEMQ_DEFAULT_LISTEN_ADMIN:-0.0.0.0:18083}

say() { printf 'edgemq-entrypoint: %s\n' "$*" >&2; }
fail() {
  local status=$1
  shift
  say "error: $*"
  exit "$status"
}

# `docker run edgemq edgemq --flag` is `docker run edgemq --flag`, and
# `salvage` is the gateway's own subcommand (after a refused start on a
# damaged log), prepared like a start; any other first argument that is not
# a flag is a command to run instead of the gateway (a shell to look around:
# `docker run -it edgemq bash`).
if [ $# -gt 0 ] && { [ "$1" = edgemq ] || [ "$1" = "$bin" ]; }; then
  shift
elif [ $# -gt 0 ] && [ "$1" != salvage ] && [ "${1#-}" = "$1" ]; then
  exec "$@"
fi

for arg in "$@"; do
  case $arg in
    -h | --help | --version) exec "$bin" "$@" ;;  # nothing to prepare
  esac
done

[ -x "$bin" ] || fail 1 "the gateway binary $bin is missing or not executable (EDGEMQ_BIN)"

# The value of --NAME VALUE or --NAME=VALUE among the arguments (the last one
# wins, as in the gateway); status 1 if the flag is not there.
flag_value() {
  local name=$1 found=1 value=
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      "--$name")
        if [ $# -ge 2 ]; then
          value=$2
          found=0
          shift
        fi
        ;;
      "--$name="*)
        value=${1#*=}
        found=0
        ;;
    esac
    shift
  done
  printf '%s' "$value"
  return "$found"
}

# 1. The configuration file.
config=
if config=$(flag_value config "$@"); then
  :
elif [ -n "${EDGEMQ_CONFIG+set}" ]; then
  config=$EDGEMQ_CONFIG
elif [ -e "$default_config" ]; then
  if [ -d "$default_config" ]; then
    fail 78 "$default_config is a directory, not a TOML file: docker makes one when the host file" \
      "of a bind mount does not exist; create the file on the host, then recreate the container"
  fi
  config=$default_config
  export EDGEMQ_CONFIG=$config
fi
if [ -n "$config" ]; then
  if [ ! -f "$config" ] || [ ! -r "$config" ]; then
    fail 78 "configuration file $config is not a file uid $(id -u) can read"
  fi
  say "configuration file $config"
fi

# Whether the configuration file sets KEY (a top-level `key = ...` line).
file_sets() { [ -n "$config" ] && grep -Eq "^[[:space:]]*$1[[:space:]]*=" "$config"; }

# Its value when it is a quoted string on one line; empty otherwise.
file_value() {
  sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*[\"']([^\"']*)[\"'][[:space:]]*(#.*)?\$/\\1/p" \
    "$config" | tail -n 1
}

# 2. Container defaults, below everything the user says. Sets REPLY to the
# value in force for KEY (empty when the file sets it in a way not read here),
# exporting EDGEMQ_<KEY>=DEFAULT first if nothing sets the key.
apply_default() {
  local key=$1 default=$2 var
  shift 2
  var=EDGEMQ_${key^^}
  if REPLY=$(flag_value "${key//_/-}" "$@"); then return; fi
  if [ -n "${!var+set}" ]; then
    REPLY=${!var}
  elif file_sets "$key"; then
    REPLY=$(file_value "$key")
  else
    export "$var=$default"
    REPLY=$default
  fi
}
apply_default data_dir "$default_data_dir" "$@"
data_dir=$REPLY
apply_default listen_admin "$default_listen_admin" "$@"
listen_admin=$REPLY

# 3. The data directory: created if missing, and written to once, as the
# gateway will (test -w alone passes for root on a read-only mount).
check_data_dir() {
  local dir=$1 who hint probe owner
  who="uid $(id -u) gid $(id -g)"
  hint="give it to that user (a bind mount: on the host, chown -R $(id -u):$(id -g) on its directory),"
  hint+=" use a named volume, or set EDGEMQ_DATA_DIR"
  if [ ! -e "$dir" ]; then
    mkdir -p -- "$dir" 2>/dev/null ||
      fail 73 "data directory $dir does not exist and $who cannot create it; $hint"
  fi
  [ -d "$dir" ] || fail 73 "data directory $dir is not a directory"
  if ! probe=$(mktemp "$dir/.edgemq-write-test.XXXXXX" 2>/dev/null); then
    owner=$(stat -c 'owner %U:%G, mode %a' -- "$dir" 2>/dev/null) || owner="its owner cannot be read"
    fail 73 "data directory $dir is not writable by $who ($owner); $hint"
  fi
  rm -f -- "$probe"
}
if [ -n "$data_dir" ]; then
  check_data_dir "$data_dir"
  say "data directory $data_dir"
else
  say "data directory as $config says (not checked here)"
fi

# 4. Open files: one per connection, plus the store's. Raise the soft limit
# to the hard one; only root (CAP_SYS_RESOURCE) could go past that.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then
  hard=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 1048576)
fi
if [ "$(ulimit -Sn)" != "$hard" ] && ! ulimit -Sn "$hard" 2>/dev/null; then
  say "warning: could not raise the open-files limit from $(ulimit -Sn) to $hard"
fi
say "open files limit $(ulimit -Sn)${listen_admin:+, admin endpoint asked on $listen_admin}"

# 5. The gateway replaces this shell.
exec "$bin" "$@"
