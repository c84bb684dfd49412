// Configuration: one table of keys, each settable in a TOML file, as an
// EDGEMQ_<KEY> environment variable and as a --<key> flag (underscores become
// dashes). Later sources win: defaults < file < environment < flags. A first
// argument `salvage` is the one subcommand (app/salvage.h); it takes the same
// keys.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/limits.h"

namespace edgemq::app {

// An amount of memory given in bytes, or as a share of the memory the
// gateway may use (memory_limit.h): "75%".
struct MemoryAmount {
  uint64_t bytes = 0;
  unsigned percent = 0;  // 1-100: a share, and `bytes` is unused
  bool operator==(const MemoryAmount&) const = default;
};

struct Config {
  std::string listen_mqtt = "0.0.0.0:1883";
  std::string listen_ws;               // MQTT over WebSocket, HOST:PORT; empty: off
  std::string ws_paths = "/mqtt";      // comma-separated
  std::string ws_origins;              // comma-separated allow-list; empty: any
  std::string listen_mqtts;            // MQTT over TLS, HOST:PORT; empty: off
  std::string listen_wss;              // MQTT over WebSocket in TLS, HOST:PORT; empty: off
  std::string tls_cert;                // PEM certificate (chain) for both TLS listeners
  std::string tls_key;                 // PEM private key
  std::string tls_ca;                  // PEM CA file for client certificates; empty: none asked for
  bool tls_require_client_cert = false;
  bool tls_cn_as_username = false;
  std::string listen_admin = "127.0.0.1:18083";  // admin REST and /metrics; empty: off
  std::string admin_tokens;            // bearer tokens, comma-separated; none: loopback only
  std::string data_dir = "./data";
  // Bytes kept free on the data directory's filesystem (store_guard.h): a
  // few memtable flushes and a compaction's worth, so deletes and
  // subscriptions still fit once new messages are refused.
  uint64_t min_free_disk = 64ull << 20;
  // Bytes held for packets begun and not finished, all connections together
  // (net/partial_packet_budget.h): 64 of the largest packets at the default
  // max_packet_size, a sixteenth of a 1 GiB edge box.
  uint64_t partial_packet_budget = 64ull << 20;
  // RSS at which the gateway sheds load (net/memory_guard.h); 0: off. Three
  // quarters of what it may use leaves the rest for the kernel's socket
  // buffers, which the cgroup charges too.
  MemoryAmount memory_high_watermark{0, 75};
  unsigned workers = 0;  // 0: one per core
  std::string log_level = "info";
  std::string durability = "process";
  unsigned sys_interval = 10;
  core::Limits limits;
  std::string config_file;
};

// What the command line asks for: run the gateway, or `edgemq salvage`.
enum class Command : uint8_t { Run, Salvage };

struct ConfigResult {
  bool ok = true;
  bool help = false;
  bool version = false;
  Command command = Command::Run;
  std::string error;
};

// `environ_lookup` returns the variable's value or nullptr (getenv in main).
ConfigResult load_config(int argc, const char* const* argv,
                         const char* (*environ_lookup)(const char*), Config& out);

// Every key's value as --help shows it, in the table's order.
std::vector<std::pair<std::string, std::string>> config_values(const Config& c);

// The --help text: every key with its flag, variable and default.
std::string config_help();

// "host:port" or "[v6]:port".
bool split_host_port(const std::string& s, std::string& host, int& port);

// The non-empty, trimmed items of a comma-separated list.
std::vector<std::string> split_list(const std::string& s);

}  // namespace edgemq::app
