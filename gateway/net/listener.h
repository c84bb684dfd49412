// A listening TCP socket on one worker's loop. SO_REUSEPORT lets every worker
// bind the same address, so the kernel spreads new connections over them.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

namespace edgemq::net {

class Worker;

// What its connections speak below MQTT.
enum class ListenerKind : uint8_t { Mqtt, Ws, Mqtts, Wss };
inline constexpr size_t kListenerKinds = 4;
inline bool uses_tls(ListenerKind k) { return k == ListenerKind::Mqtts || k == ListenerKind::Wss; }
inline bool uses_websocket(ListenerKind k) { return k == ListenerKind::Ws || k == ListenerKind::Wss; }
const char* name_of(ListenerKind k);

class Listener {
 public:
  Listener(Worker& worker, ListenerKind kind);
  // `first`: the first of the workers' sockets on this address, which
  // makes sure no other process holds it already.
  bool open(const std::string& host, int port, bool first, std::string& error);
  int port() const { return port_; }
  // Closes the handle; `this` must stay alive until the loop has run once more.
  void close();

 private:
  static void on_connection(uv_stream_t* server, int status);
  Worker& worker_;
  ListenerKind kind_;
  uv_tcp_t handle_{};
  bool open_ = false;
  int port_ = 0;
};

}  // namespace edgemq::net
