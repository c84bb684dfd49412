#!/usr/bin/env bash
# Queues (issue 14), edgemq and Debian's Mosquitto side by side in one run:
#
#   slow consumer   QoS 1 pairs at a fixed rate while one QoS 1 subscriber on
#                   bench/# acknowledges 50 messages a second: the publishers'
#                   PUBACK latency (edgemq: a persistent slow subscriber, its
#                   backlog on disk; Mosquitto: the same session, in memory)
#   offline backlog N persistent sessions with one subscription each go
#                   offline; M QoS 1 messages are published to each; broker
#                   RSS with the queues full against the same sessions empty;
#                   then all come back and drain (count, time)
#   durable fan-out QoS 1 from one publisher to F persistent subscribers:
#                   broker CPU per delivery (Mosquitto without persistence)
#
#   tests/bench/queues.sh                 # full size (minutes), prints the table
#   tests/bench/queues.sh --smoke         # small, seconds
#   tests/bench/queues.sh --out FILE      # also writes the table to FILE
#   tests/bench/queues.sh --only offline  # one scenario: slow, offline or fanout
#   tests/bench/queues.sh --broker edgemq # one broker
#
# Exits non-zero when edgemq loses an acknowledged message.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

smoke=0
out=""
only=""
brokers="mosquitto edgemq"
build=build-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;
    --build) build=$2; shift ;;
    --only) only=$2; shift ;;
    --broker) brokers=$2; shift ;;
    *) echo "queues.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=tests/bench/common.sh
source tests/bench/common.sh
bench_build

if [ "$smoke" = 1 ]; then
  pairs=5; pair_rate=500; slow_dur=3
  sessions=200; per_session=100; pub_rate=50
  fanout=20; fan_dur=2
  settle=2; quiet=2
else
  pairs=20; pair_rate=2000; slow_dur=15
  # 19 million messages: the publishers run long enough for the brokers'
  # rate (~150k/s here), not at a rate they cannot carry.
  sessions=19000; per_session=1000; pub_rate=7
  fanout=100; fan_dur=10
  # After the publishers leave, edgemq hands free heap back within ten
  # seconds; a drain is over once nothing came for `quiet` seconds (the
  # bench waits at most ten times that).
  settle=12; quiet=30
fi
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/edgemq-queues.XXXXXX)
results=$work/results.jsonl
: >"$results"
broker_pid=""
bg_pid=""
cleanup() {
  [ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=""
start_broker() {  # start_broker NAME: fresh, on a new port
  local name=$1
  port=$(free_port)
  rm -rf "$work/data"
  if [ "$name" = edgemq ]; then
    "$edgemq_bin" --listen-mqtt "127.0.0.1:$port" --listen-admin= --data-dir "$work/data" --log-level warn \
      --max-inflight 32 >"$work/edgemq.log" 2>&1 &
  else
    cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 32
max_queued_messages $((per_session > 1000 ? per_session : 1000))
set_tcp_nodelay true
log_dest none
EOF
    mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  fi
  broker_pid=$!
  wait_port "$port"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$broker_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$broker_pid/stat"; }

bench() { "$bench_bin" "$@" --port "$port" --broker-pid "$broker_pid" --quiet | tail -n 1; }

record() {  # record RUN BROKER JSON [extra jq object]
  echo "$3" | jq -c --arg r "$1" --arg b "$2" ". + {run: \$r, target: \$b} + (${4:-{\}})" >>"$results"
}

for b in $brokers; do
  # --- slow consumer ---------------------------------------------------------
  if want slow; then
  start_broker "$b"
  echo "== slow consumer on $b" >&2
  "$bench_bin" sub -n 1 -f 'bench/#' -q 1 --persistent --ack-rate 50 -d $((slow_dur + 2)) --drain 0.2 \
    --prefix slow --port "$port" --quiet >"$work/slow.json" 2>/dev/null &
  bg_pid=$!
  sleep 1
  line=$(bench pubsub --scenario pairs -n "$pairs" -q 1 --total-rate "$pair_rate" -d "$slow_dur")
  wait "$bg_pid" || true
  bg_pid=""
  slow=$(tail -n 1 "$work/slow.json")
  record slow-consumer "$b" "$line" "{slow_received: $(echo "$slow" | jq .received)}"
  stop_broker
  fi

  # --- offline backlog -------------------------------------------------------
  if want offline; then
  start_broker "$b"
  echo "== offline backlog on $b: $sessions sessions x $per_session messages" >&2
  rss_start=$(rss_kb)
  bench sub -n "$sessions" -f 'bench/{i}' -q 1 --persistent --prefix dev -d 0.1 --drain 0.1 >/dev/null
  sleep 1
  rss_empty=$(rss_kb)
  pub_dur=$(awk -v m="$per_session" -v r="$pub_rate" 'BEGIN { printf "%.1f", m / r }')
  pub=$(bench pub -n "$sessions" -t 'bench/{i}' -q 1 --rate "$pub_rate" -d "$pub_dur" --drain 0.5)
  # The publishers are gone: what stays is what the queues cost.
  sleep "$settle"
  rss_full=$(rss_kb)
  started=$(date +%s.%N)
  # All at once, as after a power cut: no connect rate, ten minutes to be back.
  drain=$(bench sub -n "$sessions" -f 'bench/{i}' -q 1 --persistent --prefix dev -d 0.1 --drain "$quiet" \
    --connect-timeout 600)
  ended=$(date +%s.%N)
  # Until the last message came: the run minus the quiet time it waits out.
  record offline-backlog "$b" "$drain" "{rss_start_kb: $rss_start, rss_empty_kb: $rss_empty, rss_full_kb: $rss_full,
    published: $(echo "$pub" | jq .acked),
    drain_s: $(awk -v a="$started" -v b="$ended" -v q="$quiet" 'BEGIN { d = b - a - q; print (d > 0 ? d : 0) }')}"
  stop_broker
  fi

  # --- durable fan-out -------------------------------------------------------
  if want fanout; then
  start_broker "$b"
  echo "== durable fan-out on $b" >&2
  persistent=(--persistent)
  line=$(bench pubsub --scenario fanout -n "$fanout" -q 1 -d "$fan_dur" "${persistent[@]}")
  record durable-fanout "$b" "$line"
  stop_broker
  fi
done

get() { jq -r --arg r "$1" --arg b "$2" "select(.run == \$r and .target == \$b) | $3" "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
row() {  # row TITLE RUN JQ FORMAT
  local m e
  m=$(get "$2" mosquitto "$3")
  e=$(get "$2" edgemq "$3")
  printf '| %s | %s | %s | %s |\n' "$1" "$(printf "$4" "$m")" "$(printf "$4" "$e")" "$(ratio "$e" "$m")"
}
per_session_b() {  # per_session_b RSS_BEFORE_KB RSS_AFTER_KB (empty when not measured)
  [ -n "${1:-}" ] && [ -n "${2:-}" ] || { echo ""; return; }
  awk -v a="$1" -v b="$2" -v n="$sessions" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }'
}
{
  echo "Queues (tests/bench/queues.sh$([ "$smoke" = 1 ] && echo ' --smoke')), $(date -u +%Y-%m-%d), edgemq $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?'):"
  echo
  echo "| figure | Mosquitto | edgemq | ratio |"
  echo "|---|---:|---:|---:|"
  row "publishers' PUBACK p50 with a slow # subscriber, $pairs pairs at $pair_rate msg/s (us)" slow-consumer '.ack_latency_us.p50' '%.0f'
  row "publishers' PUBACK p99, same (us)" slow-consumer '.ack_latency_us.p99' '%.0f'
  row "publishers' PUBACK max, same (us)" slow-consumer '.ack_latency_us.max' '%.0f'
  row "messages the pairs lost, same" slow-consumer '.lost' '%d'
  for b in mosquitto edgemq; do
    eval "${b}_empty=\$(per_session_b \"\$(get offline-backlog $b .rss_start_kb)\" \"\$(get offline-backlog $b .rss_empty_kb)\")"
    eval "${b}_full=\$(per_session_b \"\$(get offline-backlog $b .rss_start_kb)\" \"\$(get offline-backlog $b .rss_full_kb)\")"
  done
  printf '| RSS per offline session, empty queue (B) | %s | %s | %s |\n' "$mosquitto_empty" "$edgemq_empty" "$(ratio "$edgemq_empty" "$mosquitto_empty")"
  printf '| RSS per offline session, %s queued (B) | %s | %s | %s |\n' "$per_session" "$mosquitto_full" "$edgemq_full" "$(ratio "$edgemq_full" "$mosquitto_full")"
  printf '| full / empty | %s | %s | |\n' "$(ratio "$mosquitto_full" "$mosquitto_empty")" "$(ratio "$edgemq_full" "$edgemq_empty")"
  row "messages published to offline sessions (acknowledged)" offline-backlog '.published' '%d'
  row "messages received when they came back" offline-backlog '.received' '%d'
  row "time until all $sessions had drained (s)" offline-backlog '.drain_s' '%.1f'
  row "broker CPU per QoS 1 delivery, fan-out 1 to $fanout persistent (us)" durable-fanout '.broker.cpu_us_per_message' '%.2f'
  row "QoS 1 deliveries/s, same" durable-fanout '.receive_rate' '%.0f'
  echo
  echo "Commands (each against a fresh broker; Mosquitto with persistence false, max_queued_messages $((per_session > 1000 ? per_session : 1000))):"
  echo
  echo '```'
  echo "edgemq-bench sub -n 1 -f 'bench/#' -q 1 --persistent --ack-rate 50 -d $((slow_dur + 2)) &"
  echo "edgemq-bench pubsub --scenario pairs -n $pairs -q 1 --total-rate $pair_rate -d $slow_dur"
  echo "edgemq-bench sub -n $sessions -f 'bench/{i}' -q 1 --persistent --prefix dev -d 0.1"
  echo "edgemq-bench pub -n $sessions -t 'bench/{i}' -q 1 --rate $pub_rate -d $pub_dur"
  echo "edgemq-bench sub -n $sessions -f 'bench/{i}' -q 1 --persistent --prefix dev -d 0.1 --drain $quiet --connect-timeout 600"
  echo "edgemq-bench pubsub --scenario fanout -n $fanout -q 1 -d $fan_dur --persistent"
  echo '```'
} >"$work/table.md"
{ echo; echo "Raw results, one JSON object per run:"; echo; echo '```json'; cat "$results"; echo '```'; } >>"$work/table.md"
cat "$work/table.md"
if [ -n "$out" ]; then cp "$work/table.md" "$out"; fi

bad=$(jq -r 'select(.target == "edgemq" and ((.run == "slow-consumer" and .lost > 0) or (.run == "offline-backlog" and .received < .published))) | "\(.run): lost"' "$results")
if [ -n "$bad" ]; then
  echo "queues.sh: edgemq $bad" >&2
  exit 1
fi
