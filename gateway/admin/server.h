// The admin endpoint's HTTP server: its own thread and uv loop, so a slow
// scrape or a burst of API calls never delays a worker, and the workers'
// numbers are read through thread-safe counters only.
//
// Bounded: at most kMaxConnections at once, a request must arrive whole
// within kRequestTimeoutMs (408), its head within 8 KiB (431) and its body
// within 64 KiB (413). A new connection past the limit takes the place of
// the one that has waited longest for its next request to arrive whole (an
// idle keep-alive or a slow sender): refusing the newcomer instead let 70
// slow connections answer 50 of 51 health checks with 503, and a health
// check must get through whatever the other clients do.
//
// Handles owned here: the listener, the stop async and every connection's
// socket and timer, each closed through uv_close on this thread.
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>

#include "gateway/admin/api.h"

namespace edgemq::admin {

class AdminServer {
 public:
  static constexpr size_t kMaxConnections = 64;
  static constexpr uint64_t kRequestTimeoutMs = 10'000;

  explicit AdminServer(Api api);
  ~AdminServer();  // stop()s
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds host:port (port 0: any) before start(); false with `error`.
  bool listen(const std::string& host, int port, std::string& error);
  int port() const { return port_; }
  void start();
  // Thread-safe; closes everything and joins the thread.
  void stop();

  class Conn;  // server.cpp: one client connection

 private:
  // The API's response, or a 500 if it threw.
  http::Response answer(const http::Request& r) const;
  static void on_connection(uv_stream_t* server, int status);
  static void on_stop(uv_async_t* h);
  // Closes the connection that has waited longest for a request; false if
  // none is waiting (all are writing answers).
  bool evict_oldest_waiting();

  Api api_;
  uv_loop_t loop_{};
  uv_tcp_t listener_{};
  uv_async_t stop_async_{};
  std::unordered_set<Conn*> conns_;
  std::thread thread_;
  int port_ = 0;
  bool listening_ = false;
  std::atomic<bool> stopped_{false};

  friend class Conn;
};

}  // namespace edgemq::admin
