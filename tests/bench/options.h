// edgemq-bench's command line: what to run and how hard. Parsing is pure so
// unit tests can check it; `usage()` is the --help text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgemq::bench {

enum class Mode { Conn, Pub, Sub, PubSub };
// What the clients speak below MQTT (tests/bench/client_transport.h).
enum class Transport : uint8_t { Tcp, Ws, Tls, Wss };

struct Options {
  Mode mode = Mode::PubSub;
  std::string host = "127.0.0.1";
  uint16_t port = 1883;
  Transport transport = Transport::Tcp;
  std::string ws_path = "/mqtt";
  std::string ca_file;  // TLS: verify the server against it; empty: no verification
  uint32_t connections = 0;  // conn: idle clients
  uint32_t publishers = 0;
  uint32_t subscribers = 0;
  std::string topic = "bench/{i}";
  std::string filter = "bench/{i}";
  uint8_t qos = 0;
  uint8_t sub_qos = 0;
  uint32_t payload_size = 64;
  double rate = 0;        // per publisher, msg/s; 0 = as fast as acks and sockets allow
  uint32_t inflight = 32;  // QoS 1/2 messages awaiting their ack, per publisher
  double ack_rate = 0;     // per subscriber: QoS 1/2 acknowledgements per second at most; 0 = at once
  double duration_s = 10;
  double hold_s = 5;
  double connect_rate = 0;  // new connections per second in all; 0 = no limit
  uint32_t connect_concurrency = 200;
  double connect_timeout_s = 30;
  uint16_t keepalive_s = 300;
  bool persistent = false;  // subscribers connect with clean session 0
  uint32_t processes = 0;   // 0: one per 15,000 clients
  uint32_t sources = 0;     // 0: one 127.0.0.x per 10,000 clients on loopback
  std::string prefix;       // client id prefix; empty: "eb<pid>"
  int broker_pid = 0;
  double drain_s = 1;
  bool quiet = false;

  uint32_t total_clients() const { return connections + publishers + subscribers; }
};

// Parses argv (without the program name). On error returns nullopt and sets
// `error`; `--help` returns nullopt with an empty error.
std::optional<Options> parse_options(const std::vector<std::string>& args, std::string& error);

std::string usage();
const char* mode_name(Mode m);
const char* transport_name(Transport t);
bool uses_tls(Transport t);
bool uses_websocket(Transport t);

}  // namespace edgemq::bench
