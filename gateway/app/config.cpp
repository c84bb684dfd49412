#include "gateway/app/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <sstream>
#include <vector>

namespace edgemq::app {
namespace {

using Setter = std::function<std::string(Config&, const std::string&)>;

struct Key {
  const char* name;
  const char* help;
  Setter set;
  std::function<std::string(const Config&)> get;
  bool boolean{};  // as a flag, its value may be left out: --key means true
};

template <typename T>
std::string parse_number(const std::string& v, T& out, unsigned long long lo, unsigned long long hi) {
  unsigned long long n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi) {
    return "expects a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  }
  out = static_cast<T>(n);
  return {};
}

// A byte count: a whole number, optionally with a binary unit (KiB, MiB,
// GiB; K, M, G and KB, MB, GB mean the same here, as in most tools' sizes).
std::string parse_size(const std::string& v, uint64_t& out, uint64_t hi) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  std::string unit(p, v.data() + v.size());
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  for (char& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  if (unit == "K" || unit == "KB" || unit == "KIB") shift = 10;
  if (unit == "M" || unit == "MB" || unit == "MIB") shift = 20;
  if (unit == "G" || unit == "GB" || unit == "GIB") shift = 30;
  if (ec != std::errc() || p == v.data() || shift < 0 || n > (hi >> shift)) {
    return "expects a size in bytes, optionally with KiB, MiB or GiB, up to " + std::to_string(hi >> 20) + " MiB";
  }
  out = n << shift;
  return {};
}

// A size as parse_size takes it, or a share of the memory limit: "75%".
std::string parse_memory_amount(const std::string& v, MemoryAmount& out) {
  if (!v.empty() && v.back() == '%') {
    unsigned pct = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size() - 1, pct);
    if (ec != std::errc() || p != v.data() + v.size() - 1 || pct < 1 || pct > 100) {
      return "expects a share such as 75% (1% to 100%), a size in bytes (KiB, MiB, GiB), or 0 for off";
    }
    out = {0, pct};
    return {};
  }
  MemoryAmount a;
  if (auto err = parse_size(v, a.bytes, 1ull << 50); !err.empty()) return err + ", or a share such as 75%";
  out = a;
  return {};
}

Key memory_amount_key(const char* name, const char* help, MemoryAmount Config::*field) {
  return {name, help, [=](Config& c, const std::string& v) { return parse_memory_amount(v, c.*field); },
          [=](const Config& c) {
            const MemoryAmount& a = c.*field;
            return a.percent != 0 ? std::to_string(a.percent) + "%" : std::to_string(a.bytes);
          }};
}

Key size_key(const char* name, const char* help, uint64_t Config::*field, uint64_t hi) {
  return {name, help, [=](Config& c, const std::string& v) { return parse_size(v, c.*field, hi); },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

// A duration: "250ms", or seconds as "5s" or "5" (what the key took before it
// took milliseconds).
std::string parse_millis(const std::string& v, uint32_t& out, uint64_t lo, uint64_t hi) {
  std::string digits = v;
  uint64_t scale = 1000;
  if (v.size() > 2 && v.compare(v.size() - 2, 2, "ms") == 0) {
    digits = v.substr(0, v.size() - 2);
    scale = 1;
  } else if (v.size() > 1 && v.back() == 's') {
    digits = v.substr(0, v.size() - 1);
  }
  uint64_t n = 0;
  if (auto err = parse_number(digits, n, 0, hi); !err.empty() || digits.empty()) {
    return "expects a duration such as 100ms or 5s";
  }
  n *= scale;
  if (n < lo || n > hi) {
    return "must be between " + std::to_string(lo) + "ms and " + std::to_string(hi / 1000) + "s";
  }
  out = static_cast<uint32_t>(n);
  return {};
}

// A byte size among the core's limits (sizes take KiB/MiB/GiB).
Key limit_size_key(const char* name, const char* help, uint64_t core::Limits::*field, uint64_t lo, uint64_t hi) {
  return {name, help,
          [=](Config& c, const std::string& v) -> std::string {
            if (auto err = parse_size(v, c.limits.*field, hi); !err.empty()) return err;
            if (c.limits.*field < lo) return "must be at least " + std::to_string(lo) + " bytes";
            return {};
          },
          [=](const Config& c) { return std::to_string(c.limits.*field); }};
}

Key queue_full_policy_key() {
  return {"queue_full_policy",
          "which message goes when a queue on disk reaches max_queued_bytes or max_queued_bytes_total "
          "(drop_oldest|drop_newest)",
          [](Config& c, const std::string& v) -> std::string {
            if (v == "drop_oldest") {
              c.limits.queue_full_policy = core::Limits::QueueFullPolicy::DropOldest;
            } else if (v == "drop_newest") {
              c.limits.queue_full_policy = core::Limits::QueueFullPolicy::DropNewest;
            } else {
              return "expects one of drop_oldest|drop_newest";
            }
            return {};
          },
          [](const Config& c) {
            return std::string(c.limits.queue_full_policy == core::Limits::QueueFullPolicy::DropNewest
                                   ? "drop_newest"
                                   : "drop_oldest");
          }};
}

template <typename T>
Key number_key(const char* name, const char* help, T Config::*field, unsigned long long lo,
               unsigned long long hi) {
  return {name, help, [=](Config& c, const std::string& v) { return parse_number(v, c.*field, lo, hi); },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

template <typename T>
Key limit_key(const char* name, const char* help, T core::Limits::*field, unsigned long long lo,
              unsigned long long hi) {
  return {name, help,
          [=](Config& c, const std::string& v) { return parse_number(v, c.limits.*field, lo, hi); },
          [=](const Config& c) { return std::to_string(c.limits.*field); }};
}

Key choice_key(const char* name, const char* help, std::string Config::*field,
               std::vector<std::string> choices) {
  return {name, help,
          [=](Config& c, const std::string& v) -> std::string {
            for (const auto& ch : choices) {
              if (v == ch) {
                c.*field = v;
                return {};
              }
            }
            std::string all;
            for (const auto& ch : choices) all += (all.empty() ? "" : "|") + ch;
            return "expects one of " + all;
          },
          [=](const Config& c) { return c.*field; }};
}

// An optional listener address: HOST:PORT, or empty for off.
Key listen_key(const char* name, const char* help, std::string Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) -> std::string {
            std::string h;
            int p;
            if (!v.empty() && !split_host_port(v, h, p)) return "expects HOST:PORT, or nothing for off";
            c.*field = v;
            return {};
          },
          [=](const Config& c) { return c.*field; }};
}

Key text_key(const char* name, const char* help, std::string Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) -> std::string {
            c.*field = v;
            return {};
          },
          [=](const Config& c) { return c.*field; }};
}

Key bool_key(const char* name, const char* help, bool Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) -> std::string {
            if (v == "true" || v == "1") {
              c.*field = true;
            } else if (v == "false" || v == "0") {
              c.*field = false;
            } else {
              return "expects true or false";
            }
            return {};
          },
          [=](const Config& c) { return std::string(c.*field ? "true" : "false"); }, true};
}

// The names of ShareStrategy's values, in its order.
const std::vector<std::string>& share_strategies() {
  static const std::vector<std::string> names = {"round_robin", "random", "sticky"};
  return names;
}

Key share_strategy_key() {
  return {"shared_subscription_strategy",
          "MQTT 5 shared subscriptions: which member gets a message (round_robin|random|sticky)",
          [](Config& c, const std::string& v) -> std::string {
            const auto& names = share_strategies();
            for (size_t i = 0; i < names.size(); ++i) {
              if (v == names[i]) {
                c.limits.share_strategy = static_cast<core::ShareStrategy>(i);
                return {};
              }
            }
            return "expects one of round_robin|random|sticky";
          },
          [](const Config& c) { return share_strategies()[static_cast<size_t>(c.limits.share_strategy)]; }};
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"listen_mqtt", "MQTT over TCP listener, HOST:PORT ([::1]:PORT for IPv6)",
       [](Config& c, const std::string& v) -> std::string {
         std::string h;
         int p;
         if (!split_host_port(v, h, p)) return "expects HOST:PORT";
         c.listen_mqtt = v;
         return {};
       },
       [](const Config& c) { return c.listen_mqtt; }},
      listen_key("listen_ws", "MQTT over WebSocket listener, HOST:PORT (e.g. 0.0.0.0:8083); empty: off",
                 &Config::listen_ws),
      {"ws_paths", "WebSocket paths that lead to MQTT, comma-separated",
       [](Config& c, const std::string& v) -> std::string {
         const auto paths = split_list(v);
         if (paths.empty()) return "expects at least one path";
         for (const auto& p : paths) {
           if (p.front() != '/') return "paths start with /: " + p;
         }
         c.ws_paths = v;
         return {};
       },
       [](const Config& c) { return c.ws_paths; }},
      text_key("ws_origins", "browser origins allowed on the WebSocket listeners, comma-separated (empty: any)",
               &Config::ws_origins),
      listen_key("listen_mqtts", "MQTT over TLS listener, HOST:PORT (e.g. 0.0.0.0:8883); empty: off",
                 &Config::listen_mqtts),
      listen_key("listen_wss",
                 "MQTT over WebSocket in TLS listener, HOST:PORT (e.g. 0.0.0.0:8084); empty: off",
                 &Config::listen_wss),
      listen_key("listen_admin",
                 "admin REST endpoint and /metrics, HOST:PORT; without admin_tokens it binds loopback only; "
                 "empty: off",
                 &Config::listen_admin),
      text_key("admin_tokens",
               "bearer tokens the admin endpoint accepts, comma-separated (empty: loopback only, no token asked)",
               &Config::admin_tokens),
      text_key("tls_cert", "PEM certificate (with its chain) of the TLS listeners; reread on SIGHUP",
               &Config::tls_cert),
      text_key("tls_key", "PEM private key of tls_cert; reread on SIGHUP", &Config::tls_key),
      text_key("tls_ca",
               "PEM CA file client certificates are verified against; empty: clients are not asked for one",
               &Config::tls_ca),
      bool_key("tls_require_client_cert", "mTLS: refuse TLS clients without a certificate signed by tls_ca",
               &Config::tls_require_client_cert),
      bool_key("tls_cn_as_username",
               "use the client certificate's CN as the MQTT username (CONNECT's is ignored; no CN: refused)",
               &Config::tls_cn_as_username),
      {"data_dir", "directory of the RocksDB store",
       [](Config& c, const std::string& v) -> std::string {
         if (v.empty()) return "must not be empty";
         c.data_dir = v;
         return {};
       },
       [](const Config& c) { return c.data_dir; }},
      size_key("min_free_disk",
               "free space kept on the data directory's filesystem: below it, QoS 1/2 messages that need the "
               "store are refused (5.0: 0x97) until there is room again (0: no reserve)",
               &Config::min_free_disk, 1ull << 40),
      {"partial_packet_budget",
       "bytes held for packets begun and not finished, all connections together; past it reading pauses for "
       "the connections holding the most (at least 64 KiB)",
       [](Config& c, const std::string& v) -> std::string {
         if (auto err = parse_size(v, c.partial_packet_budget, 1ull << 40); !err.empty()) return err;
         if (c.partial_packet_budget < (64u << 10)) return "must be at least 64 KiB";
         return {};
       },
       [](const Config& c) { return std::to_string(c.partial_packet_budget); }},
      memory_amount_key("memory_high_watermark",
                        "RSS at which the gateway sheds load (new connections refused, large partial packets "
                        "paused, QoS 0 to slow clients dropped earlier): bytes, or a share of RAM or the cgroup "
                        "limit such as 75%; 0: off",
                        &Config::memory_high_watermark),
      number_key("workers", "worker threads, one event loop each (0: one per core)", &Config::workers, 0, 256),
      choice_key("log_level", "log level", &Config::log_level,
                 {"trace", "debug", "info", "warn", "error", "off"}),
      choice_key("durability",
                 "process: acknowledged messages survive kill -9 (WAL, no fsync); "
                 "power: also power loss (fsync per group commit). Either way a damaged WAL "
                 "stops start-up, naming the way out (edgemq salvage)",
                 &Config::durability, {"process", "power"}),
      number_key("sys_interval", "seconds between $SYS/broker/... updates (0: off)", &Config::sys_interval, 0,
                 86400),
      limit_key("max_packet_size", "largest packet accepted, bytes", &core::Limits::max_packet_size, 16,
                268435460),
      limit_key("max_inflight", "unacknowledged QoS 1/2 messages per subscriber", &core::Limits::max_inflight, 1,
                65535),
      limit_key("max_queued_messages",
                "QoS 1/2 messages queued in memory per clean session behind the inflight window; past it an "
                "online session holds publishers' acks back, an offline or stuck one drops new messages "
                "(persistent sessions queue on disk: max_queued_bytes)",
                &core::Limits::max_queued_messages, 0, 100000000),
      limit_size_key("max_queued_bytes",
                     "bytes of messages one persistent session may have queued on disk; past it "
                     "queue_full_policy drops one",
                     &core::Limits::max_queued_bytes, 1024, 1ull << 40),
      limit_size_key("max_queued_bytes_total",
                     "bytes of messages all persistent sessions together may have queued on disk; past it "
                     "queue_full_policy drops one of the session a new message is for",
                     &core::Limits::max_queued_bytes_total, 1024, 1ull << 50),
      queue_full_policy_key(),
      {"ack_hold_timeout",
       "how long a full memory queue may hold a publisher's ack back before its session drops past its "
       "limit instead: milliseconds with ms (100ms), or seconds (5 or 5s)",
       [](Config& c, const std::string& v) { return parse_millis(v, c.limits.ack_hold_timeout_ms, 10, 3600000); },
       [](const Config& c) { return std::to_string(c.limits.ack_hold_timeout_ms) + "ms"; }},
      limit_key("max_outbound_bytes", "bytes waiting to be written to one client before QoS 0 is dropped",
                &core::Limits::max_outbound_bytes, 1024, 1ull << 32),
      limit_key("max_pending_acks",
                "acknowledgements one client may have waiting for the store before reading from it pauses",
                &core::Limits::max_pending_acks, 2, 1000000),
      limit_key("max_subscriptions", "subscriptions per session; more get SUBACK 0x80",
                &core::Limits::max_subscriptions, 1, 100000000),
      limit_key("max_topic_length",
                "bytes of a topic published to or a filter subscribed; longer: 5.0 gets 0x90 (PUBACK) or 0x8F "
                "(SUBACK), 3.1.1 a PUBACK without delivery or SUBACK 0x80",
                &core::Limits::max_topic_length, 1, 65535),
      limit_key("max_topic_levels", "levels of a topic or filter ('/' separated); more: as max_topic_length",
                &core::Limits::max_topic_levels, 1, 65535),
      limit_key("max_retained_messages", "retained topics in all; new topics past it are not retained",
                &core::Limits::max_retained_messages, 0, 4000000000u),
      limit_key("connect_timeout", "seconds a new connection has to send CONNECT",
                &core::Limits::connect_timeout_s, 1, 3600),
      limit_key("packet_timeout",
                "seconds a connected client may hold a packet begun without finishing one; then it is closed "
                "(its will goes out)",
                &core::Limits::packet_timeout_s, 1, 86400),
      limit_key("receive_maximum",
                "MQTT 5: QoS 1/2 PUBLISHes one client may have unacknowledged; one more disconnects it (0x93)",
                &core::Limits::receive_maximum, 1, 65535),
      limit_key("topic_alias_maximum", "MQTT 5: topic aliases one client may set (0: none)",
                &core::Limits::topic_alias_maximum, 0, 65535),
      limit_key("max_keep_alive",
                "MQTT 5: longest keep-alive granted, seconds; longer or none gets this as server keep alive "
                "(0: any)",
                &core::Limits::max_keep_alive_s, 0, 65535),
      share_strategy_key(),
      {"response_information",
       "MQTT 5: CONNACK's response information for clients that request it, e.g. a topic prefix "
       "(empty: none)",
       [](Config& c, const std::string& v) -> std::string {
         if (v.size() > 65535) return "must be at most 65535 bytes";
         c.limits.response_information = v;
         return {};
       },
       [](const Config& c) { return c.limits.response_information; }},
  };
  return table;
}

std::string flag_of(const std::string& key) {
  std::string f = "--" + key;
  for (char& ch : f) ch = ch == '_' ? '-' : ch;
  return f;
}

std::string env_of(const std::string& key) {
  std::string e = "EDGEMQ_" + key;
  for (char& ch : e) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return e;
}

const Key* find_key(const std::string& name) {
  for (const auto& k : keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string apply(Config& c, const Key& k, const std::string& value, const std::string& source) {
  std::string err = k.set(c, value);
  return err.empty() ? err : source + ": " + k.name + " " + err + " (got \"" + value + "\")";
}

std::string apply_file(Config& c, const std::string& path) {
  // Debian's toml++ is built with exceptions; they stop here, at start-up.
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ": " << e.description() << " at line " << e.source().begin.line;
    return os.str();
  }
  for (auto&& [name, node] : table) {
    const Key* k = find_key(std::string(name.str()));
    if (k == nullptr) return path + ": unknown key " + std::string(name.str());
    std::string value;
    if (auto s = node.value<std::string>()) {
      value = *s;
    } else if (auto b = node.value_exact<bool>()) {
      value = *b ? "true" : "false";
    } else if (auto i = node.value<int64_t>()) {
      value = std::to_string(*i);
    } else {
      return path + ": " + k->name + " must be a string, an integer or a boolean";
    }
    if (auto err = apply(c, *k, value, path); !err.empty()) return err;
  }
  return {};
}

}  // namespace

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    const size_t e = item.find_last_not_of(" \t");
    out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

bool split_host_port(const std::string& s, std::string& host, int& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 >= s.size()) return false;
  host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  std::string p = s.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  return ec == std::errc() && end == p.data() + p.size() && port >= 0 && port <= 65535;
}

ConfigResult load_config(int argc, const char* const* argv, const char* (*environ_lookup)(const char*),
                         Config& out) {
  ConfigResult r;
  auto fail = [&](std::string e) {
    r.ok = false;
    r.error = std::move(e);
    return r;
  };
  // Flags first into a list, so a --config file can be applied before them.
  std::vector<std::pair<const Key*, std::string>> flags;
  std::string file = environ_lookup("EDGEMQ_CONFIG") ? environ_lookup("EDGEMQ_CONFIG") : "";
  int first = 1;
  if (argc > 1 && std::string_view(argv[1]) == "salvage") {
    r.command = Command::Salvage;
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") { r.help = true; return r; }
    if (arg == "--version") { r.version = true; return r; }
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const Key* k = nullptr;
    for (const auto& key : keys()) {
      if (flag_of(key.name) == arg) k = &key;
    }
    if (k == nullptr && arg != "--config") return fail("unknown option " + arg + " (see --help)");
    if (!has_value) {
      const bool next_is_flag = i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--");
      if (k != nullptr && k->boolean && next_is_flag) {
        value = "true";
      } else if (i + 1 >= argc) {
        return fail(arg + " needs a value");
      } else {
        value = argv[++i];
      }
    }
    if (k == nullptr) {
      file = value;  // --config
      continue;
    }
    flags.emplace_back(k, value);
  }
  out.config_file = file;
  if (!file.empty()) {
    if (auto err = apply_file(out, file); !err.empty()) return fail(err);
  }
  for (const auto& k : keys()) {
    std::string var = env_of(k.name);
    if (const char* v = environ_lookup(var.c_str())) {
      if (auto err = apply(out, k, v, var); !err.empty()) return fail(err);
    }
  }
  for (const auto& [k, v] : flags) {
    if (auto err = apply(out, *k, v, flag_of(k->name)); !err.empty()) return fail(err);
  }
  return r;
}

std::vector<std::pair<std::string, std::string>> config_values(const Config& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : keys()) out.emplace_back(k.name, k.get(c));
  return out;
}

std::string config_help() {
  std::ostringstream os;
  Config defaults;
  os << "edgemq " << "- MQTT gateway for IoT fleets\n\n"
     << "Usage: edgemq [--config FILE.toml] [--KEY VALUE ...]\n"
     << "       edgemq salvage [--config FILE.toml] [--KEY VALUE ...]\n\n"
     << "edgemq refuses to start on a damaged write-ahead log and says where the damage\n"
     << "is. `edgemq salvage` then opens the store without the damaged records, reports\n"
     << "what they held (queued messages, sessions, retained messages, ...), and exits;\n"
     << "start edgemq as usual afterwards. It takes the same keys (data_dir matters).\n\n"
     << "Every key can be set in the TOML file (key = value), as an environment\n"
     << "variable, or as a flag; later wins: file < environment < flags.\n\n";
  for (const auto& k : keys()) {
    os << "  " << flag_of(k.name) << " (" << env_of(k.name) << ", default " << k.get(defaults) << ")\n"
       << "      " << k.help << "\n";
  }
  os << "  --config FILE (EDGEMQ_CONFIG)\n      TOML file with any of the keys above\n";
  return os.str();
}

}  // namespace edgemq::app
