// What the admin endpoint reports, read in one go: plain numbers, so the
// routes and the metrics page are pure functions of it (and unit-tested with
// made-up ones). The gateway fills it from its thread-safe counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace edgemq::admin {

// A latency histogram as Prometheus shows it: `counts` per bucket (not
// cumulative), one more than `bounds` (the last is +Inf); seconds.
struct HistogramData {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
  double sum_s = 0;
  uint64_t count() const {
    uint64_t n = 0;
    for (uint64_t c : counts) n += c;
    return n;
  }
};

// What the sessions hold, summed over the workers (who must be asked).
struct SessionTotals {
  uint64_t connected = 0;
  uint64_t offline = 0;  // persistent sessions without a connection
  uint64_t queued = 0;    // QoS 1/2 messages waiting for the inflight window or the client
  uint64_t inflight = 0;  // QoS 1/2 messages sent, not yet acknowledged
  uint64_t subscriptions = 0;
};

struct Snapshot {
  std::string version;
  uint64_t uptime_s = 0;
  std::vector<std::pair<std::string, int>> listeners;  // name ("mqtt", "ws", ...) -> bound port
  // No store error in the last minute, and the store takes new data (the
  // disk is above min_free_disk and no write failure is pending recovery).
  bool store_ok = true;
  bool store_disk_low = false;   // free space below min_free_disk: new messages refused
  bool store_failed = false;     // a write failed and the store has not recovered yet
  uint64_t disk_free_bytes = 0;  // on the data directory's filesystem, last measured
  uint64_t min_free_disk = 0;

  // Memory (net/memory_guard.h): above the high watermark the gateway sheds
  // load (new clients refused); the partial packet budget bounds what
  // clients' unfinished packets hold.
  bool memory_high = false;
  uint64_t memory_high_watermark = 0;  // bytes of RSS; 0: off
  uint64_t memory_rss_bytes = 0;       // as the gateway last sampled it (every 100 ms)
  uint64_t partial_packet_bytes = 0;   // held now for packets begun and not finished
  uint64_t partial_packet_budget = 0;
  uint64_t partial_packet_pauses = 0;  // connections paused for the budget, in all
  uint64_t heap_trims = 0;             // free heap memory handed back to the system
  double heap_trim_seconds = 0;        // what those took
  // Ready for new clients: the store takes new data and memory is not high.
  bool ready() const { return store_ok && !memory_high; }

  uint64_t connections = 0;  // clients with a session bound now
  struct Connected {
    std::string listener;  // "mqtt", "ws", "mqtts", "wss"
    std::string protocol;  // "3.1.1" (3.1 included) or "5.0"
    uint64_t count = 0;
  };
  std::vector<Connected> connected_by;  // the same, split
  std::vector<std::pair<std::string, uint64_t>> accepted_by_listener;
  uint64_t protocol_errors = 0;
  uint64_t keepalive_timeouts = 0;
  uint64_t packet_timeouts = 0;  // closed: a packet begun was not finished within packet_timeout
  uint64_t tls_handshake_failures = 0;
  uint64_t accept_errors = 0;  // accept() failed (EMFILE, ...): listeners paused

  uint64_t messages_received = 0;  // PUBLISH packets from clients
  uint64_t messages_sent = 0;      // PUBLISH packets to clients
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  std::vector<std::pair<std::string, uint64_t>> dropped;  // cause -> messages
  uint64_t retained = 0;
  uint64_t wills_published = 0;
  uint64_t sessions_expired = 0;
  uint64_t store_errors = 0;
  uint64_t store_bytes = 0;  // the data directory's files: SSTs, WAL, manifest

  // By QoS ("0", "1", "2"): PUBLISH packets and their payload bytes.
  std::vector<std::pair<std::string, uint64_t>> received_by_qos, sent_by_qos;
  std::vector<std::pair<std::string, uint64_t>> received_payload_bytes_by_qos, sent_payload_bytes_by_qos;
  std::vector<std::pair<std::string, uint64_t>> disconnects;  // reason -> connections
  struct Attempts {
    std::string listener;
    std::string result;  // "accepted", "rejected", "timeout", ...
    uint64_t count = 0;
  };
  std::vector<Attempts> connect_attempts;
  HistogramData commit_duration;   // one group commit's store write
  std::vector<HistogramData> loop_lag;  // by worker
  double loop_lag_max_ms = 0;       // the worst worker's worst tick in its last second
  // Only where a route asked the workers (stats, metrics); absent when they
  // did not answer in time.
  std::optional<SessionTotals> sessions;

  uint64_t process_rss_bytes = 0;
  double process_cpu_seconds = 0;
  uint64_t process_open_fds = 0;
};

// One retained message, as GET /api/v1/retained shows it.
struct RetainedItem {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;
  uint64_t expires_at_ms = 0;  // wall clock; 0: never
  std::string content_type;    // MQTT 5, if the publisher set one
};

}  // namespace edgemq::admin
