#!/usr/bin/env bash
# edgemq and Debian's Mosquitto side by side, in one run, on loopback: the
# same edgemq-bench scenarios against each, the brokers' RSS and CPU time read
# from /proc, and the results written as a table with ratios. Then the cost
# of each transport (TCP, WebSocket, TLS, WebSocket in TLS) the same way;
# Debian's Mosquitto 2.0 is built without WebSocket support, so WS and WSS
# have edgemq's own TCP figures to compare with.
#
#   tests/bench/compare.sh                   # full run (minutes), writes docs/benchmarks.md
#   tests/bench/compare.sh --smoke --out F   # seconds-long version for CI, writes F
#
# Exits non-zero when a run loses an acknowledged QoS 1 message or clients
# fail to connect, so a smoke run is also a check.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

smoke=0
out=docs/benchmarks.md
build=build-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;
    --build) build=$2; shift ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=tests/bench/common.sh
source tests/bench/common.sh
bench_build

ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/edgemq-compare.XXXXXX)
bash tests/tls/make_certs.sh "$work/certs"
certs=$work/certs
# Mosquitto started as root reads its key as user mosquitto: test keys only.
chmod 755 "$work" "$certs"
chmod 644 "$certs"/*
results=$work/results.jsonl
: >"$results"
broker_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# start_broker NAME PORT TRANSPORT: starts it fresh with TRANSPORT (tcp, ws,
# tls, wss) on PORT, sets broker_pid.
start_broker() {
  local name=$1 port=$2 transport=$3
  rm -rf "$work/data"
  if [ "$name" = edgemq ]; then
    local listen=(--listen-mqtt "127.0.0.1:$port")
    local tls=(--tls-cert "$certs/server.pem" --tls-key "$certs/server.key")
    case "$transport" in
      ws) listen=(--listen-mqtt "127.0.0.1:$(free_port)" --listen-ws "127.0.0.1:$port") ;;
      tls) listen=(--listen-mqtt "127.0.0.1:$(free_port)" --listen-mqtts "127.0.0.1:$port" "${tls[@]}") ;;
      wss) listen=(--listen-mqtt "127.0.0.1:$(free_port)" --listen-wss "127.0.0.1:$port" "${tls[@]}") ;;
    esac
    "$edgemq_bin" "${listen[@]}" --listen-admin= --data-dir "$work/data" --log-level warn \
      --max-inflight 32 --max-queued-messages 1000 >"$work/edgemq.log" 2>&1 &
  else
    local tls_conf=""
    [ "$transport" = tls ] && tls_conf="certfile $certs/server.pem
keyfile $certs/server.key"
    cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
$tls_conf
allow_anonymous true
persistence false
max_inflight_messages 32
max_queued_messages 1000
set_tcp_nodelay true
log_dest none
EOF
    mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  fi
  broker_pid=$!
  wait_port "$port"
}

# run LABEL BROKER [edgemq-bench args...]: one scenario against a fresh broker;
# appends {"label","broker",...bench JSON} to the results. A `--transport T`
# among the arguments also picks the broker's listener.
run() {
  local label=$1 name=$2
  shift 2
  local port transport=tcp prev=""
  for a in "$@"; do
    [ "$prev" = --transport ] && transport=$a
    prev=$a
  done
  port=$(free_port)
  start_broker "$name" "$port" "$transport"
  echo "== $label on $name: edgemq-bench $*" >&2
  local line
  line=$("$bench_bin" "$@" --port "$port" --broker-pid "$broker_pid" --cafile "$certs/ca.pem" --quiet | tail -n 1)
  stop_broker
  echo "$line" | jq -c --arg l "$label" --arg b "$name" '. + {"run": $l, "target": $b}' >>"$results"
  echo "$line" | jq -r '"   connected \(.connected) failed \(.failed); received \(.received) lost \(.lost); \(.receive_rate) msg/s; p99 \(.latency_us.p99) us; broker cpu \(.broker.cpu_us_per_message) us/msg, \(.broker.rss_per_connection_b) B/conn"' >&2
}

# get LABEL BROKER JQ-EXPR
get() { jq -r --arg l "$1" --arg b "$2" "select(.run == \$l and .target == \$b) | $3" "$results"; }

if [ "$smoke" = 1 ]; then
  # QoS 1 at a rate both brokers carry easily, so any loss is a bug.
  conns=(200); dur=1; pairs=5; fanin=10; fanout=50; hold=1; q1_rate=(--total-rate 5000)
else
  conns=(1000 10000 19000); dur=10; pairs=50; fanin=100; fanout=10000; hold=3; q1_rate=()
fi

for b in mosquitto edgemq; do
  for n in "${conns[@]}"; do
    run "conn-$n" "$b" conn -n "$n" --hold "$hold"
  done
  run pairs-q0 "$b" pubsub --scenario pairs -n "$pairs" -q 0 -d "$dur"
  run pairs-q1 "$b" pubsub --scenario pairs -n "$pairs" -q 1 -d "$dur" "${q1_rate[@]}"
  run fanin-q0 "$b" pubsub --scenario fanin -n "$fanin" -q 0 -d "$dur"
  run fanin-q1 "$b" pubsub --scenario fanin -n "$fanin" -q 1 -d "$dur" "${q1_rate[@]}"
  run fanout-q0 "$b" pubsub --scenario fanout -n "$fanout" -q 0 -d "$dur"
done
# Latency at a fixed moderate rate: half of what Mosquitto delivered 1:1.
half=$(get pairs-q0 mosquitto '.receive_rate / 2 | floor')
for b in mosquitto edgemq; do
  run latency-q0 "$b" pubsub --scenario pairs -n "$pairs" -q 0 -d "$dur" --total-rate "$half"
done
# QoS 1 to persistent subscribers: Mosquitto in memory, edgemq with every
# queue record in the WAL before the PUBACK.
run durable-q1 mosquitto pubsub --scenario pairs -n "$pairs" -q 1 -d "$dur" "${q1_rate[@]}"
run durable-q1 edgemq pubsub --scenario pairs -n "$pairs" -q 1 -d "$dur" --persistent "${q1_rate[@]}"

# Per transport: idle connections and QoS 1 pairs over WS, TLS and WSS (TCP's
# are conn-$tconn and pairs-q1 above). Mosquitto: TLS only.
tconn=${conns[-1]}
[ "$smoke" = 1 ] || tconn=10000
for t in ws tls wss; do
  brokers=(edgemq)
  [ "$t" = tls ] && brokers=(mosquitto edgemq)
  for b in "${brokers[@]}"; do
    run "conn-$tconn-$t" "$b" conn -n "$tconn" --hold "$hold" --transport "$t"
    run "pairs-q1-$t" "$b" pubsub --scenario pairs -n "$pairs" -q 1 -d "$dur" --transport "$t" "${q1_rate[@]}"
  done
done

# --- the table -------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
row() {  # row TITLE LABEL JQ-EXPR UNIT FORMAT
  local m e
  m=$(get "$2" mosquitto "$3")
  e=$(get "$2" edgemq "$3")
  printf '| %s | %s | %s | %s |\n' "$1" "$(printf "$5" "$m")" "$(printf "$5" "$e")" "$(ratio "$e" "$m")"
}

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Benchmarks: edgemq and Mosquitto side by side"
  echo
  if [ "$smoke" = 1 ]; then echo "_A smoke run: tiny numbers that only show the pipeline works._"; echo; fi
  echo "Written by \`tests/bench/compare.sh\` on $(date -u +%Y-%m-%d) — $(nproc) cores ($cpu_model),"
  echo "Linux $(uname -r), Mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'), edgemq $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')."
  echo "Both brokers ran on loopback on the same machine, one after the other, each"
  echo "fresh for every scenario, with the load generator beside them. The ratio is"
  echo "edgemq / Mosquitto: above 1 is better for rates, below 1 for costs."
  echo
  echo "| figure | Mosquitto | edgemq | ratio |"
  echo "|---|---:|---:|---:|"
  for n in "${conns[@]}"; do
    row "RSS per idle connection at $n (bytes)" "conn-$n" '.broker.rss_per_connection_b' B '%.0f'
  done
  n=${conns[-1]}
  row "connect rate, $n clients (conn/s)" "conn-$n" '.connect_rate' '' '%.0f'
  row "broker CPU per connect (us)" "conn-$n" '.broker.connect_cpu_us_per_connection' '' '%.1f'
  row "broker CPU per delivered QoS 0 message, $pairs pairs (us)" pairs-q0 '.broker.cpu_us_per_message' '' '%.2f'
  row "broker CPU per delivered QoS 1 message, $pairs pairs (us)" pairs-q1 '.broker.cpu_us_per_message' '' '%.2f'
  row "QoS 0 deliveries/s, $pairs 1:1 pairs" pairs-q0 '.receive_rate' '' '%.0f'
  row "QoS 1 deliveries/s, $pairs 1:1 pairs" pairs-q1 '.receive_rate' '' '%.0f'
  row "QoS 0 deliveries/s, fan-in $fanin to 1" fanin-q0 '.receive_rate' '' '%.0f'
  row "QoS 1 deliveries/s, fan-in $fanin to 1" fanin-q1 '.receive_rate' '' '%.0f'
  row "QoS 0 deliveries/s, fan-out 1 to $fanout" fanout-q0 '.receive_rate' '' '%.0f'
  row "broker CPU per delivered message, fan-out (us)" fanout-q0 '.broker.cpu_us_per_message' '' '%.2f'
  row "latency p50 at $half msg/s (us)" latency-q0 '.latency_us.p50' '' '%.0f'
  row "latency p99 at $half msg/s (us)" latency-q0 '.latency_us.p99' '' '%.0f'
  row "latency p99.9 at $half msg/s (us)" latency-q0 '.latency_us.p999' '' '%.0f'
  row "QoS 1 deliveries/s, persistent subscribers (edgemq: WAL before PUBACK; Mosquitto: memory)" durable-q1 '.receive_rate' '' '%.0f'
  echo
  echo "Per transport: $tconn idle connections, and QoS 1 over $pairs 1:1 pairs (the TCP"
  echo "row repeats figures from above; ratios are edgemq / Mosquitto over the same"
  echo "transport, and edgemq over this transport / edgemq over TCP):"
  echo
  echo "| transport | edgemq B/conn | Mosquitto B/conn | ratio | edgemq CPU/connect (us) | Mosquitto CPU/connect (us) | edgemq CPU/QoS 1 msg (us) | Mosquitto CPU/QoS 1 msg (us) | ratio | edgemq msg/s | edgemq cost vs TCP (B/conn, CPU/msg) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  e_tcp_b=$(get "conn-$tconn" edgemq '.broker.rss_per_connection_b')
  e_tcp_c=$(get pairs-q1 edgemq '.broker.cpu_us_per_message')
  for t in tcp ws tls wss; do
    if [ "$t" = tcp ]; then cl="conn-$tconn"; pl=pairs-q1; else cl="conn-$tconn-$t"; pl="pairs-q1-$t"; fi
    eb=$(get "$cl" edgemq '.broker.rss_per_connection_b'); mb=$(get "$cl" mosquitto '.broker.rss_per_connection_b')
    ek=$(get "$cl" edgemq '.broker.connect_cpu_us_per_connection'); mk=$(get "$cl" mosquitto '.broker.connect_cpu_us_per_connection')
    ec=$(get "$pl" edgemq '.broker.cpu_us_per_message'); mc=$(get "$pl" mosquitto '.broker.cpu_us_per_message')
    er=$(get "$pl" edgemq '.receive_rate')
    fmt() { [ -z "$2" ] && echo "n/a" || printf "$1" "$2"; }
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s, %s |\n' "$t" \
      "$(fmt %.0f "$eb")" "$(fmt %.0f "$mb")" "$( [ -n "$mb" ] && ratio "$eb" "$mb" || echo n/a)" \
      "$(fmt %.1f "$ek")" "$(fmt %.1f "$mk")" "$(fmt %.2f "$ec")" "$(fmt %.2f "$mc")" \
      "$( [ -n "$mc" ] && ratio "$ec" "$mc" || echo n/a)" "$(fmt %.0f "$er")" \
      "$(ratio "$eb" "$e_tcp_b")" "$(ratio "$ec" "$e_tcp_c")"
  done
  echo
  echo "Messages lost or duplicated, per run (QoS 0 may drop under overload by design):"
  echo
  echo "| run | broker | sent | received | lost | duplicates | failed connects |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  jq -r '"| \(.run) | \(.target) | \(.sent) | \(.received) | \(.lost) | \(.duplicates) | \(.failed) |"' "$results"
  echo
  echo "Commands (each against a fresh broker, \`--port\` and \`--broker-pid\` added):"
  echo
  echo '```'
  for n in "${conns[@]}"; do echo "edgemq-bench conn -n $n --hold $hold"; done
  echo "edgemq-bench pubsub --scenario pairs -n $pairs -q 0 -d $dur        # and -q 1"
  echo "edgemq-bench pubsub --scenario fanin -n $fanin -q 0 -d $dur        # and -q 1"
  echo "edgemq-bench pubsub --scenario fanout -n $fanout -q 0 -d $dur"
  echo "edgemq-bench pubsub --scenario pairs -n $pairs -q 0 -d $dur --total-rate $half"
  echo "edgemq-bench pubsub --scenario pairs -n $pairs -q 1 -d $dur --persistent   # edgemq; Mosquitto without --persistent"
  echo "edgemq-bench conn -n $tconn --hold $hold --transport ws --cafile ca.pem      # and tls, wss"
  echo "edgemq-bench pubsub --scenario pairs -n $pairs -q 1 -d $dur --transport ws  # and tls, wss"
  echo '```'
  echo
  echo "Raw results, one JSON object per run:"
  echo
  echo '```json'
  cat "$results"
  echo '```'
} >"$work/table.md"

if [ "$out" = docs/benchmarks.md ] && [ -f docs/benchmarks.md ] && grep -q '^<!-- analysis -->' docs/benchmarks.md; then
  # Keep the hand-written analysis below the marker; replace the measured part.
  { cat "$work/table.md"; echo; sed -n '/^<!-- analysis -->/,$p' docs/benchmarks.md; } >"$work/new.md"
  mv "$work/new.md" docs/benchmarks.md
else
  cp "$work/table.md" "$out"
fi
echo "compare.sh: wrote $out" >&2

# A failed connect fails the run, and so does a lost QoS 1 message: in the
# smoke run, whose rates stay below what either broker can carry, for both;
# in the full run, which drives QoS 1 past what subscribers can read, for
# edgemq only (its flow control holds acks instead of dropping; Mosquitto
# applies max_queued_messages, and its losses are in the table).
if [ "$smoke" = 1 ]; then
  bad_filter='select((.qos >= 1 and .lost > 0) or .failed > 0)'
else
  bad_filter='select((.target == "edgemq" and .qos >= 1 and .lost > 0) or .failed > 0)'
fi
bad=$(jq -r "$bad_filter | \"\\(.run) on \\(.target): lost \\(.lost), failed \\(.failed)\"" "$results")
if [ -n "$bad" ]; then
  echo "compare.sh: $bad" >&2
  exit 1
fi
