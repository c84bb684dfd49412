#include "gateway/admin/metrics.h"

#include <cstdio>

namespace edgemq::admin {

namespace {

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, double value, const std::string& labels = {}) {
    out_ += name;
    if (!labels.empty()) out_ += '{' + labels + '}';
    char buf[48];
    std::snprintf(buf, sizeof buf, " %.17g\n", value);
    out_ += buf;
  }
  // One family with a single sample.
  void one(const char* name, const char* type, const char* help, double value) {
    family(name, type, help);
    sample(name, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// A label value, escaped as the format says (backslash, quote, newline).
std::string label(const char* key, const std::string& value) {
  std::string out = std::string(key) + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

// The single-sample families, in page order, read from the snapshot.
struct Scalar {
  const char* name;
  const char* type;
  const char* help;
  double (*value)(const Snapshot&);
};

template <uint64_t Snapshot::*field>
double number(const Snapshot& s) {
  return static_cast<double>(s.*field);
}

constexpr Scalar kTop[] = {
    {"edgemq_uptime_seconds", "gauge", "Seconds since the gateway started.", number<&Snapshot::uptime_s>},
    {"edgemq_up", "gauge", "1; 0 while the store refuses new messages and for a minute after a store write failed.",
     [](const Snapshot& s) { return s.store_ok ? 1.0 : 0.0; }},
    {"edgemq_memory_high", "gauge",
     "1 while RSS is above memory_high_watermark (until below 90% of it): new clients refused, load shed.",
     [](const Snapshot& s) { return s.memory_high ? 1.0 : 0.0; }},
};

constexpr Scalar kRest[] = {
    {"edgemq_protocol_errors_total", "counter", "Connections closed for a malformed or forbidden packet.",
     number<&Snapshot::protocol_errors>},
    {"edgemq_keepalive_timeouts_total", "counter", "Connections closed after 1.5 keep-alive periods of silence.",
     number<&Snapshot::keepalive_timeouts>},
    {"edgemq_packet_timeouts_total", "counter",
     "Connections closed because a packet begun was not finished within packet_timeout.",
     number<&Snapshot::packet_timeouts>},
    {"edgemq_tls_handshake_failures_total", "counter", "TLS connections that ended before their handshake did.",
     number<&Snapshot::tls_handshake_failures>},
    {"edgemq_accept_errors_total", "counter",
     "Failed accepts of new connections (EMFILE at the open files limit, ...); the listener paused.",
     number<&Snapshot::accept_errors>},
    {"edgemq_received_bytes_total", "counter", "Bytes read from client sockets.", number<&Snapshot::bytes_received>},
    {"edgemq_sent_bytes_total", "counter", "Bytes queued for client sockets.", number<&Snapshot::bytes_sent>},
};

constexpr Scalar kTail[] = {
    {"edgemq_retained_messages", "gauge", "Retained topics held.", number<&Snapshot::retained>},
    {"edgemq_wills_published_total", "counter", "Will messages published.", number<&Snapshot::wills_published>},
    {"edgemq_sessions_expired_total", "counter", "Offline sessions ended by their expiry interval.",
     number<&Snapshot::sessions_expired>},
    {"edgemq_store_errors_total", "counter", "Store writes that failed (QoS 1/2 publishes refused).",
     number<&Snapshot::store_errors>},
    {"edgemq_store_size_bytes", "gauge", "Bytes the store's files take in the data directory.",
     number<&Snapshot::store_bytes>},
    {"edgemq_store_disk_free_bytes", "gauge", "Free bytes on the data directory's filesystem, last measured.",
     number<&Snapshot::disk_free_bytes>},
    {"edgemq_store_min_free_disk_bytes", "gauge", "The reserve (min_free_disk) below which new messages are refused.",
     number<&Snapshot::min_free_disk>},
    {"edgemq_store_disk_low", "gauge", "1 while free space is below min_free_disk and new messages are refused.",
     [](const Snapshot& s) { return s.store_disk_low ? 1.0 : 0.0; }},
    {"edgemq_store_failed", "gauge", "1 while a failed store write has not been recovered from.",
     [](const Snapshot& s) { return s.store_failed ? 1.0 : 0.0; }},
    {"edgemq_memory_high_watermark_bytes", "gauge", "RSS above which the gateway sheds load; 0: off.",
     number<&Snapshot::memory_high_watermark>},
    {"edgemq_partial_packet_bytes", "gauge", "Bytes held for packets clients have begun and not finished.",
     number<&Snapshot::partial_packet_bytes>},
    {"edgemq_partial_packet_budget_bytes", "gauge",
     "The budget (partial_packet_budget) past which reading pauses for the largest partial packets.",
     number<&Snapshot::partial_packet_budget>},
    {"edgemq_partial_packet_pauses_total", "counter",
     "Times reading paused for a connection holding a large partial packet while the budget was spent.",
     number<&Snapshot::partial_packet_pauses>},
    {"edgemq_heap_trims_total", "counter", "Times free heap memory was handed back to the system (malloc_trim).",
     number<&Snapshot::heap_trims>},
    {"edgemq_heap_trim_seconds_total", "counter", "Time those trims took.",
     [](const Snapshot& s) { return s.heap_trim_seconds; }},
    {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
     number<&Snapshot::process_rss_bytes>},
    {"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
     [](const Snapshot& s) { return s.process_cpu_seconds; }},
    {"process_open_fds", "gauge", "Number of open file descriptors.", number<&Snapshot::process_open_fds>},
};

template <size_t N>
void scalars(Writer& w, const Scalar (&table)[N], const Snapshot& s) {
  for (const Scalar& m : table) w.one(m.name, m.type, m.help, m.value(s));
}

void labelled(Writer& w, const char* name, const char* help, const char* key,
              const std::vector<std::pair<std::string, uint64_t>>& values) {
  w.family(name, "counter", help);
  for (const auto& [v, n] : values) w.sample(name, static_cast<double>(n), label(key, v));
}

// A bound as the `le` label writes it: shortest form that reads back the same.
std::string bound_text(double b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", b);
  return buf;
}

// One histogram's samples (the family line written by the caller):
// cumulative buckets, +Inf, _sum and _count.
void histogram(Writer& w, const std::string& name, const HistogramData& h, const std::string& labels = {}) {
  const std::string prefix = labels.empty() ? std::string() : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    const std::string le = i < h.bounds.size() ? bound_text(h.bounds[i]) : "+Inf";
    w.sample((name + "_bucket").c_str(), static_cast<double>(cumulative), prefix + label("le", le));
  }
  w.sample((name + "_sum").c_str(), h.sum_s, labels);
  w.sample((name + "_count").c_str(), static_cast<double>(cumulative), labels);
}

void sessions(Writer& w, const SessionTotals& t) {
  w.family("edgemq_sessions", "gauge", "Sessions held, by state (offline: persistent, no connection).");
  w.sample("edgemq_sessions", static_cast<double>(t.connected), label("state", "connected"));
  w.sample("edgemq_sessions", static_cast<double>(t.offline), label("state", "offline"));
  w.one("edgemq_queued_messages", "gauge", "QoS 1/2 messages waiting in sessions for the inflight window or their client.",
        static_cast<double>(t.queued));
  w.one("edgemq_inflight_messages", "gauge", "QoS 1/2 messages sent to clients and not yet acknowledged.",
        static_cast<double>(t.inflight));
  w.one("edgemq_subscriptions", "gauge", "Subscriptions held by sessions.", static_cast<double>(t.subscriptions));
}

}  // namespace

std::string render_metrics(const Snapshot& s) {
  Writer w;
  w.family("edgemq_build_info", "gauge", "Version of the running gateway; always 1.");
  w.sample("edgemq_build_info", 1, label("version", s.version));
  scalars(w, kTop, s);
  w.family("edgemq_connections", "gauge", "Clients connected now (CONNECT accepted), by listener and protocol.");
  for (const auto& c : s.connected_by) {
    w.sample("edgemq_connections", static_cast<double>(c.count),
             label("listener", c.listener) + "," + label("protocol", c.protocol));
  }
  labelled(w, "edgemq_connections_accepted_total", "Sockets accepted, by listener.", "listener",
           s.accepted_by_listener);
  w.family("edgemq_connect_attempts_total", "counter",
           "Connection attempts (socket to CONNACK), by listener and how they ended.");
  for (const auto& a : s.connect_attempts) {
    w.sample("edgemq_connect_attempts_total", static_cast<double>(a.count),
             label("listener", a.listener) + "," + label("result", a.result));
  }
  labelled(w, "edgemq_disconnects_total", "Connected clients that went away, by reason.", "reason", s.disconnects);
  scalars(w, kRest, s);
  labelled(w, "edgemq_messages_received_total", "PUBLISH packets received from clients, by QoS.", "qos",
           s.received_by_qos);
  labelled(w, "edgemq_messages_sent_total", "PUBLISH packets sent to clients, by QoS.", "qos", s.sent_by_qos);
  labelled(w, "edgemq_message_payload_received_bytes_total", "Payload bytes of PUBLISH packets received, by QoS.",
           "qos", s.received_payload_bytes_by_qos);
  labelled(w, "edgemq_message_payload_sent_bytes_total", "Payload bytes of PUBLISH packets sent, by QoS.", "qos",
           s.sent_payload_bytes_by_qos);
  labelled(w, "edgemq_dropped_messages_total", "Messages not delivered, by cause.", "cause", s.dropped);
  if (s.sessions) sessions(w, *s.sessions);
  scalars(w, kTail, s);
  w.family("edgemq_store_commit_duration_seconds", "histogram",
           "Duration of one group commit's store write (and fsync with durability power).");
  histogram(w, "edgemq_store_commit_duration_seconds", s.commit_duration);
  w.family("edgemq_loop_lag_seconds", "histogram",
           "How late each worker's 100 ms tick ran: time its event loop was busy elsewhere.");
  for (size_t i = 0; i < s.loop_lag.size(); ++i) {
    histogram(w, "edgemq_loop_lag_seconds", s.loop_lag[i], label("worker", std::to_string(i)));
  }
  return w.take();
}

}  // namespace edgemq::admin
