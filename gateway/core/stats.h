// Gateway-wide counters, updated by every worker with relaxed atomics: they
// are read for $SYS topics and metrics, never used to decide anything.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

namespace edgemq::core {

// Durations in fixed buckets, as a Prometheus histogram shows them. Bounds
// in seconds; counts are per bucket (not cumulative), the last is +Inf.
struct Histogram {
  static constexpr double kBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                       0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
  static constexpr size_t kBuckets = std::size(kBounds) + 1;
  std::atomic<uint64_t> counts[kBuckets]{};
  std::atomic<uint64_t> sum_ns{0};

  void observe_ns(uint64_t ns) {
    const double s = static_cast<double>(ns) / 1e9;
    size_t i = 0;
    while (i < std::size(kBounds) && s > kBounds[i]) ++i;
    counts[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns.fetch_add(ns, std::memory_order_relaxed);
  }
};

// Why a connected client's connection ended; the first cause recorded wins.
enum class DisconnectReason : uint8_t {
  None,              // not recorded: decided at close (client DISCONNECT or connection lost)
  ClientDisconnect,  // the client sent DISCONNECT
  ConnectionLost,    // EOF, reset or transport error without DISCONNECT
  KeepAliveTimeout,  // 1.5 keep-alive periods of silence [MQTT-3.1.2-24]
  ProtocolError,     // a malformed or forbidden packet after CONNACK
  TakenOver,         // the same client id connected again [MQTT-3.1.4-3]
  Kicked,            // the admin endpoint disconnected it
  ServerShutdown,
  StoreUnavailable,  // a 3.1.1 QoS 1/2 PUBLISH the store could not take: closed unacknowledged
  PacketTimeout,     // a packet begun was not finished within packet_timeout
  Count,
};
const char* name_of(DisconnectReason r);

// How a connection attempt (a socket through to CONNACK) ended.
enum class ConnectResult : uint8_t {
  Accepted,         // CONNACK 0
  Rejected,         // an error CONNACK (bad protocol, id, credentials)
  Timeout,          // no CONNECT (or AUTH exchange) within connect_timeout
  Malformed,        // a broken or forbidden packet before CONNACK
  Closed,           // the client went away before CONNACK
  HandshakeFailed,  // the TLS or WebSocket handshake failed
  Busy,             // refused while memory was above memory_high_watermark
  Count,
};
const char* name_of(ConnectResult r);

// The counters every message touches, one block per worker, each on cache
// lines of its own: two workers counting each message never write the same
// line, so counting by QoS costs no more than the one shared total it
// replaced. Summed when read.
struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> received_by_qos[3]{};  // PUBLISH packets from clients
  std::atomic<uint64_t> received_payload_bytes_by_qos[3]{};
  std::atomic<uint64_t> sent_by_qos[3]{};  // PUBLISH packets to clients
  std::atomic<uint64_t> sent_payload_bytes_by_qos[3]{};
};

struct Stats {
  explicit Stats(size_t workers = 1)
      : by_worker(workers == 0 ? 1 : workers), loop_lag(workers), loop_lag_max_ns(workers) {}

  using Counter = std::atomic<uint64_t>;
  static constexpr size_t kListeners = 4;  // by net::ListenerKind: mqtt, ws, mqtts, wss
  std::atomic<int64_t> clients_connected{0};
  Counter connections_accepted{0};
  Counter accepted_by_listener[kListeners]{};  // sockets accepted
  // Clients with CONNECT accepted now, by listener and protocol (3.1.1, 5.0).
  std::atomic<int64_t> connected_by[kListeners][2]{};
  Counter accept_errors{0};  // accept() failures (EMFILE at the descriptor limit, ...): the listener paused
  Counter bytes_received{0};
  Counter bytes_sent{0};
  Counter protocol_errors{0};    // connections closed for a malformed or illegal packet
  Counter tls_handshake_failures{0};  // TLS connections that ended before their handshake finished
  Counter keepalive_timeouts{0};
  Counter packet_timeouts{0};          // connections closed: a packet not finished within packet_timeout
  Counter partial_packet_pauses{0};    // reading paused: a large partial packet while the budget was spent
  Counter heap_trims{0};               // free heap memory handed back to the system (malloc_trim)
  Counter heap_trim_us{0};             // the time those took, microseconds
  Counter dropped_qos0_slow{0};        // QoS 0 dropped: subscriber over its outbound byte budget
  Counter dropped_queue_full{0};       // QoS 1/2 dropped: session queue at max_queued_messages
  Counter dropped_queue_bytes{0};      // QoS 1/2 dropped from a queue on disk: max_queued_bytes or the total
  Counter queue_reads{0};              // reads of queues on disk back into sessions' windows
  Counter dropped_offline_qos0{0};     // QoS 0 for an offline persistent session (not queued)
  Counter store_errors{0};             // store writes that failed; QoS>0 publishes refused
  // QoS 1/2 PUBLISHes refused before routing because the store took no new
  // data (disk below min_free_disk, or failed): 5.0 got 0x97, 3.1.1 was closed.
  Counter refused_store_unavailable{0};
  Counter retained_refused_store{0};   // QoS 0 retained updates not kept: store not taking new data
  Counter wills_published{0};
  Counter dropped_sys_publish{0};      // client PUBLISHes to $SYS: acknowledged, not routed
  Counter dropped_topic_limits{0};     // client PUBLISHes past max_topic_length/levels: not routed
  Counter dropped_retained_on_subscribe{0};  // QoS 0 retained not sent: outbound byte budget full
  Counter subscriptions_refused{0};    // SUBACK 0x80: max_subscriptions reached, or a filter past the topic limits
  Counter retained_refused{0};         // new retained topics past max_retained: not retained
  Counter acks_held{0};                // QoS 1/2 acks that waited for a full subscriber queue
  Counter ack_hold_timeouts{0};        // congested sessions that made no room in ack_hold_timeout
  Counter sessions_expired{0};         // offline sessions ended by their expiry interval
  Counter expired_messages{0};         // messages dropped undelivered: their expiry interval passed
  Counter dropped_too_large{0};        // deliveries skipped: above the client's maximum packet size
  Counter shared_redirected{0};        // shared-subscription messages moved to another member

  std::vector<WorkerCounters> by_worker;  // by shard index
  Counter disconnects[static_cast<size_t>(DisconnectReason::Count)]{};
  Counter connect_results[kListeners][static_cast<size_t>(ConnectResult::Count)]{};
  Histogram commit_duration;  // one group commit's store write (and fsync)
  // Per worker: how late its 100 ms tick fired, and the worst of that in
  // the last second (for the dashboard).
  std::vector<Histogram> loop_lag;
  std::vector<std::atomic<uint64_t>> loop_lag_max_ns;

  // On worker `worker`'s thread (its shard index).
  void count_received(size_t worker, uint8_t qos, size_t payload_bytes) {
    WorkerCounters& w = by_worker[worker % by_worker.size()];
    add(w.received_by_qos[qos % 3]);
    add(w.received_payload_bytes_by_qos[qos % 3], payload_bytes);
  }
  void count_sent(size_t worker, uint8_t qos, size_t payload_bytes) {
    WorkerCounters& w = by_worker[worker % by_worker.size()];
    add(w.sent_by_qos[qos % 3]);
    add(w.sent_payload_bytes_by_qos[qos % 3], payload_bytes);
  }
  // One of WorkerCounters' arrays summed over the workers, by QoS, or all.
  uint64_t sum(std::atomic<uint64_t> (WorkerCounters::*field)[3], int qos = -1) const {
    uint64_t n = 0;
    for (const WorkerCounters& w : by_worker) {
      for (int q = 0; q < 3; ++q) {
        if (qos < 0 || qos == q) n += get((w.*field)[q]);
      }
    }
    return n;
  }
  uint64_t messages_received() const { return sum(&WorkerCounters::received_by_qos); }
  uint64_t messages_sent() const { return sum(&WorkerCounters::sent_by_qos); }
  void count_disconnect(DisconnectReason r) { add(disconnects[static_cast<size_t>(r)]); }
  void count_connect(size_t listener, ConnectResult r) {
    add(connect_results[listener % kListeners][static_cast<size_t>(r)]);
  }

  static void add(Counter& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  static uint64_t get(const Counter& c) { return c.load(std::memory_order_relaxed); }
};

}  // namespace edgemq::core
