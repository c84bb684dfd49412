#!/usr/bin/env bash
# The image's HEALTHCHECK: GET /api/v1/health on the admin endpoint, healthy
# (exit 0) only on HTTP 200; anything else, no answer within the time limit
# included, is exit 1 (docker reserves 2). Prints the status line and the
# body, which `docker inspect` keeps.
#
# HTTP/1.1 through bash's /dev/tcp instead of curl: bash and coreutils'
# `timeout` are in every Debian image, curl and its libraries are not (see
# docker/Dockerfile).
#
# Where to ask, first that applies:
#   EDGEMQ_HEALTHCHECK_ADDR       HOST:PORT
#   EDGEMQ_LISTEN_ADMIN           the gateway's own variable
#   listen_admin in the TOML file EDGEMQ_CONFIG, else EDGEMQ_DEFAULT_CONFIG
#                                 (/etc/edgemq/edgemq.toml); docker runs this
#                                 check with the container's environment, not
#                                 the entrypoint's
#   127.0.0.1:18083               the entrypoint's default port
# A wildcard host (0.0.0.0, ::) is asked on loopback; so is any host while
# EDGEMQ_ADMIN_TOKENS is unset or empty, because the gateway then binds
# 127.0.0.1 whatever it was asked (docs/configuration.md, listen_admin).
# EDGEMQ_HEALTHCHECK_TIMEOUT: seconds for the whole check (3).
set -uo pipefail

limit=${EDGEMQ_HEALTHCHECK_TIMEOUT:-3}

if [ -z "${EDGEMQ_HEALTHCHECK_INNER:-}" ]; then
  # The whole exchange runs under `timeout`: a connect or a read that hangs
  # ends with the rest.
  EDGEMQ_HEALTHCHECK_INNER=1 timeout -k 1 "$limit" bash "$0" "$@"
  status=$?
  case $status in
    0) exit 0 ;;
    124 | 137) echo "unhealthy: no answer within ${limit}s" ;;
  esac
  exit 1
fi

config=${EDGEMQ_CONFIG-${EDGEMQ_DEFAULT_CONFIG:-/etc/edgemq/edgemq.toml}}
if [ -n "${EDGEMQ_HEALTHCHECK_ADDR:-}" ]; then
  admin=$EDGEMQ_HEALTHCHECK_ADDR
elif [ -n "${EDGEMQ_LISTEN_ADMIN+set}" ]; then
  admin=$EDGEMQ_LISTEN_ADMIN
elif [ -n "$config" ] && [ -f "$config" ] && grep -Eq '^[[:space:]]*listen_admin[[:space:]]*=' "$config"; then
  admin=$(sed -nE "s/^[[:space:]]*listen_admin[[:space:]]*=[[:space:]]*[\"']([^\"']*)[\"'].*/\\1/p" "$config" |
    tail -n 1)
else
  admin=127.0.0.1:18083
fi
if [ -z "$admin" ]; then
  echo "unhealthy: the admin endpoint is off (listen_admin is empty), so there is nothing to ask;" \
    "turn it on, or disable the health check (compose: healthcheck: disable: true)"
  exit 1
fi

port=${admin##*:}
host=${admin%:*}
host=${host#[}
host=${host%]}
case $host in
  127.* | ::1 | localhost) ;;
  "" | 0.0.0.0) host=127.0.0.1 ;;
  ::) host=::1 ;;
  *) if [ -z "${EDGEMQ_HEALTHCHECK_ADDR:-}" ] && [ -z "${EDGEMQ_ADMIN_TOKENS:-}" ]; then host=127.0.0.1; fi ;;
esac
case $port in
  '' | *[!0-9]*)
    echo "unhealthy: cannot tell the admin port from '$admin'"
    exit 1
    ;;
esac

if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
  echo "unhealthy: nothing listens on $host:$port"
  exit 1
fi
authority=$host
[ "${host#*:}" != "$host" ] && authority="[$host]"
printf 'GET /api/v1/health HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$authority" "$port" >&3

IFS= read -r status_line <&3 || status_line=
status_line=${status_line%$'\r'}
# Headers up to the empty line, then the body until the gateway closes
# (Connection: close), at most 4 KiB of it.
while IFS= read -r line <&3; do
  [ -z "${line%$'\r'}" ] && break
done
body=$(head -c 4096 <&3)
exec 3<&-

echo "${status_line:-no HTTP answer} ${body}"
case $status_line in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) exit 1 ;;
esac
