#include "gateway/app/admin_endpoint.h"

#include <dirent.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace edgemq::app {

namespace {

bool is_loopback(const std::string& host) {
  return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
}

// The process's own figures, from /proc/self.
void read_process(admin::Snapshot& s) {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    s.process_rss_bytes = resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  }
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name (which may hold spaces) start after ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    s.process_cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    uint64_t n = 0;
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    s.process_open_fds = n > 0 ? n - 1 : 0;  // less the one opendir holds
  }
}

}  // namespace

std::string admin_address(const std::string& configured, bool have_tokens) {
  std::string host;
  int port = 0;
  if (have_tokens || !split_host_port(configured, host, port) || is_loopback(host)) return configured;
  return "127.0.0.1:" + std::to_string(port);
}

std::unique_ptr<admin::AdminServer> start_admin(net::Gateway& gateway, const Config& config, std::string& error) {
  if (config.listen_admin.empty()) return nullptr;
  std::vector<std::string> tokens = split_list(config.admin_tokens);
  const bool have_tokens = !tokens.empty();
  const std::string address = admin_address(config.listen_admin, have_tokens);
  if (address != config.listen_admin) {
    spdlog::warn("admin endpoint: no admin_tokens configured, so it listens on {} only (not {})", address,
                 config.listen_admin);
  }
  core::Broker& broker = gateway.broker();
  // Only the admin thread calls this; the gateway's counters are atomics and
  // the retained index locks itself.
  auto last_store_errors = std::make_shared<uint64_t>(0);
  auto snapshot = [&gateway, &broker, last_store_errors] {
    using net::ListenerKind;
    const core::Stats& st = broker.stats();
    admin::Snapshot s;
    s.version = EDGEMQ_VERSION;
    const auto now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now().time_since_epoch())
                                                  .count());
    s.uptime_s = (now_ms - broker.uptime_start_ms) / 1000;
    for (ListenerKind k : {ListenerKind::Mqtt, ListenerKind::Ws, ListenerKind::Mqtts, ListenerKind::Wss}) {
      if (const int port = gateway.port(k); port != 0) s.listeners.emplace_back(net::name_of(k), port);
      s.accepted_by_listener.emplace_back(net::name_of(k),
                                          core::Stats::get(st.accepted_by_listener[static_cast<size_t>(k)]));
      for (int v5 = 0; v5 < 2; ++v5) {
        const int64_t n = st.connected_by[static_cast<size_t>(k)][v5].load(std::memory_order_relaxed);
        s.connected_by.push_back(
            {net::name_of(k), v5 ? "5.0" : "3.1.1", static_cast<uint64_t>(std::max<int64_t>(0, n))});
      }
    }
    s.store_errors = core::Stats::get(st.store_errors);
    s.store_ok = s.store_errors == *last_store_errors;
    *last_store_errors = s.store_errors;
    s.connections = static_cast<uint64_t>(std::max<int64_t>(0, st.clients_connected.load()));
    s.protocol_errors = core::Stats::get(st.protocol_errors);
    s.keepalive_timeouts = core::Stats::get(st.keepalive_timeouts);
    s.tls_handshake_failures = core::Stats::get(st.tls_handshake_failures);
    s.messages_received = core::Stats::get(st.messages_received);
    s.messages_sent = core::Stats::get(st.messages_sent);
    s.bytes_received = core::Stats::get(st.bytes_received);
    s.bytes_sent = core::Stats::get(st.bytes_sent);
    s.dropped = {{"qos0_slow_subscriber", core::Stats::get(st.dropped_qos0_slow)},
                 {"queue_full", core::Stats::get(st.dropped_queue_full)},
                 {"offline_qos0", core::Stats::get(st.dropped_offline_qos0)},
                 {"too_large", core::Stats::get(st.dropped_too_large)},
                 {"expired", core::Stats::get(st.expired_messages)},
                 {"sys_publish", core::Stats::get(st.dropped_sys_publish)},
                 {"retained_on_subscribe", core::Stats::get(st.dropped_retained_on_subscribe)}};
    s.retained = broker.retained().size();
    s.wills_published = core::Stats::get(st.wills_published);
    s.sessions_expired = core::Stats::get(st.sessions_expired);
    read_process(s);
    return s;
  };
  // The retained index locks itself; expired messages are never delivered,
  // so they are not shown either.
  auto retained = [&broker](const std::string& filter) {
    std::vector<core::MessagePtr> found;
    broker.retained().matching(filter, found);
    const uint64_t now = broker.wall_ms();
    std::vector<admin::RetainedItem> out;
    for (const core::MessagePtr& m : found) {
      if (m->expires_at_ms != 0 && m->expires_at_ms <= now) continue;
      out.push_back({m->topic, m->payload, m->qos, m->expires_at_ms, m->props->content_type.value_or("")});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.topic < b.topic; });
    return out;
  };
  auto server = std::make_unique<admin::AdminServer>(
      admin::Api(std::move(tokens), {std::move(snapshot), std::move(retained)}));
  std::string host;
  int port = 0;
  split_host_port(address, host, port);
  if (!server->listen(host, port, error)) return nullptr;
  server->start();
  // Said here, where the address and the tokens were decided.
  spdlog::info("admin endpoint on {} (port {}){}", address, server->port(),
               have_tokens ? ", bearer token required" : ", no token asked");
  return server;
}

}  // namespace edgemq::app
