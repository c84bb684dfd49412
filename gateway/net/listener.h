// A listening TCP socket on one worker's loop. SO_REUSEPORT lets every worker
// bind the same address, so the kernel spreads new connections over them.
#pragma once

#include <uv.h>

#include <string>

namespace edgemq::net {

class Worker;

class Listener {
 public:
  // `websocket`: its connections speak MQTT over WebSocket.
  Listener(Worker& worker, bool websocket);
  bool open(const std::string& host, int port, std::string& error);
  int port() const { return port_; }
  // Closes the handle; `this` must stay alive until the loop has run once more.
  void close();

 private:
  static void on_connection(uv_stream_t* server, int status);
  Worker& worker_;
  bool websocket_;
  uv_tcp_t handle_{};
  bool open_ = false;
  int port_ = 0;
};

}  // namespace edgemq::net
