#include "tests/bench/summary.h"

#include <cstdio>
#include <sstream>

namespace edgemq::bench {
namespace {

struct Derived {
  double connect_s = 0, connect_rate = 0;
  double publish_s = 0, send_rate = 0;
  double receive_s = 0, receive_rate = 0;
  uint64_t lost = 0;
  double rss_per_connection_b = 0;
  double cpu_s = 0, cpu_us_per_message = 0, connect_cpu_us = 0;
};

Derived derive(const RunFacts& f, const WorkerReport& r) {
  Derived d;
  if (r.last_ready_ns > r.first_connect_ns) d.connect_s = (r.last_ready_ns - r.first_connect_ns) / 1e9;
  if (d.connect_s > 0) d.connect_rate = static_cast<double>(r.connected) / d.connect_s;
  if (f.end_ns > f.start_ns) d.publish_s = (f.end_ns - f.start_ns) / 1e9;
  if (d.publish_s > 0) d.send_rate = static_cast<double>(r.sent) / d.publish_s;
  if (r.last_receive_ns > f.start_ns) d.receive_s = (r.last_receive_ns - f.start_ns) / 1e9;
  if (d.receive_s > 0) d.receive_rate = static_cast<double>(r.received) / d.receive_s;
  if (f.expected_known && f.expected > r.streams.distinct) d.lost = f.expected - r.streams.distinct;
  if (f.broker_before.ok && f.broker_connected.ok && r.connected > 0) {
    d.rss_per_connection_b =
        (static_cast<double>(f.broker_connected.rss_kb) - static_cast<double>(f.broker_before.rss_kb)) * 1024.0 /
        static_cast<double>(r.connected);
    d.connect_cpu_us = (f.broker_connected.cpu_ns - f.broker_before.cpu_ns) / 1e3 / static_cast<double>(r.connected);
  }
  if (f.broker_connected.ok && f.broker_after.ok) {
    d.cpu_s = (f.broker_after.cpu_ns - f.broker_connected.cpu_ns) / 1e9;
    if (r.received > 0) d.cpu_us_per_message = d.cpu_s * 1e6 / static_cast<double>(r.received);
  }
  return d;
}

double us(uint64_t ns) { return static_cast<double>(ns) / 1e3; }

}  // namespace

std::string summary_text(const Options& o, const RunFacts& f, const WorkerReport& r) {
  const Derived d = derive(f, r);
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "clients     %llu connected, %llu failed, %llu dropped; %.0f connects/s over %.2f s\n",
                static_cast<unsigned long long>(r.connected), static_cast<unsigned long long>(r.failed),
                static_cast<unsigned long long>(r.dropped), d.connect_rate, d.connect_s);
  out << line;
  if (o.publishers > 0) {
    std::snprintf(line, sizeof line, "published   %llu (QoS %u, %u B), %.0f msg/s; %llu acknowledged\n",
                  static_cast<unsigned long long>(r.sent), o.qos, o.payload_size, d.send_rate,
                  static_cast<unsigned long long>(r.acked));
    out << line;
    if (r.acked > 0) {
      std::snprintf(line, sizeof line, "ack us      p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f\n",
                    us(r.ack_latency.percentile(0.5)), us(r.ack_latency.percentile(0.9)),
                    us(r.ack_latency.percentile(0.99)), us(r.ack_latency.percentile(0.999)), us(r.ack_latency.max()));
      out << line;
    }
  }
  if (o.subscribers > 0) {
    std::snprintf(line, sizeof line, "received    %llu, %.0f msg/s; %llu duplicates, %llu reordered",
                  static_cast<unsigned long long>(r.received), d.receive_rate,
                  static_cast<unsigned long long>(r.streams.duplicates),
                  static_cast<unsigned long long>(r.streams.reordered));
    out << line;
    if (f.expected_known) out << ", " << d.lost << " lost of " << f.expected << " expected";
    out << '\n';
    std::snprintf(line, sizeof line, "latency us  p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f\n",
                  us(r.latency.percentile(0.5)), us(r.latency.percentile(0.9)), us(r.latency.percentile(0.99)),
                  us(r.latency.percentile(0.999)), us(r.latency.max()));
    out << line;
  }
  if (f.broker_connected.ok) {
    std::snprintf(line, sizeof line, "broker      RSS %llu -> %llu -> %llu KiB (%.0f B per connection), CPU %.3f s",
                  static_cast<unsigned long long>(f.broker_before.rss_kb),
                  static_cast<unsigned long long>(f.broker_connected.rss_kb),
                  static_cast<unsigned long long>(f.broker_after.rss_kb), d.rss_per_connection_b, d.cpu_s);
    out << line;
    if (r.received > 0) {
      std::snprintf(line, sizeof line, " (%.2f us per delivered message)", d.cpu_us_per_message);
      out << line;
    }
    out << '\n';
  }
  for (const auto& [what, count] : r.errors) out << "error       " << count << " x " << what << '\n';
  return out.str();
}

std::string summary_json(const Options& o, const RunFacts& f, const WorkerReport& r) {
  const Derived d = derive(f, r);
  char buf[2048];
  std::snprintf(
      buf, sizeof buf,
      "{\"mode\":\"%s\",\"transport\":\"%s\",\"qos\":%u,\"size\":%u,\"publishers\":%u,\"subscribers\":%u,\"connections\":%u,"
      "\"processes\":%u,\"sources\":%u,"
      "\"connected\":%llu,\"failed\":%llu,\"dropped\":%llu,\"connect_s\":%.3f,\"connect_rate\":%.0f,"
      "\"sent\":%llu,\"acked\":%llu,\"send_rate\":%.0f,"
      "\"received\":%llu,\"distinct\":%llu,\"duplicates\":%llu,\"reordered\":%llu,\"expected\":%lld,"
      "\"lost\":%lld,\"receive_rate\":%.0f,"
      "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
      "\"ack_latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
      "\"broker\":{\"pid\":%d,\"rss_before_kb\":%llu,\"rss_connected_kb\":%llu,\"rss_after_kb\":%llu,"
      "\"rss_per_connection_b\":%.1f,\"connect_cpu_us_per_connection\":%.2f,\"cpu_s\":%.4f,"
      "\"cpu_us_per_message\":%.3f},\"errors\":%zu}",
      mode_name(o.mode), transport_name(o.transport), o.qos, o.payload_size, o.publishers, o.subscribers, o.connections, f.processes, f.sources,
      static_cast<unsigned long long>(r.connected), static_cast<unsigned long long>(r.failed),
      static_cast<unsigned long long>(r.dropped), d.connect_s, d.connect_rate, static_cast<unsigned long long>(r.sent),
      static_cast<unsigned long long>(r.acked), d.send_rate, static_cast<unsigned long long>(r.received),
      static_cast<unsigned long long>(r.streams.distinct), static_cast<unsigned long long>(r.streams.duplicates),
      static_cast<unsigned long long>(r.streams.reordered),
      f.expected_known ? static_cast<long long>(f.expected) : -1LL,
      f.expected_known ? static_cast<long long>(d.lost) : -1LL, d.receive_rate, us(r.latency.percentile(0.5)),
      us(r.latency.percentile(0.9)), us(r.latency.percentile(0.99)), us(r.latency.percentile(0.999)),
      us(r.latency.max()), us(r.ack_latency.percentile(0.5)), us(r.ack_latency.percentile(0.99)),
      us(r.ack_latency.max()), o.broker_pid, static_cast<unsigned long long>(f.broker_before.rss_kb),
      static_cast<unsigned long long>(f.broker_connected.rss_kb),
      static_cast<unsigned long long>(f.broker_after.rss_kb), d.rss_per_connection_b, d.connect_cpu_us, d.cpu_s,
      d.cpu_us_per_message, r.errors.size());
  return buf;
}

}  // namespace edgemq::bench
