// A listening TCP socket on one worker's loop. SO_REUSEPORT lets every worker
// bind the same address, so the kernel spreads new connections over them.
//
// It accepts by itself (a uv_poll on the socket, accept4 until EAGAIN)
// rather than through uv_listen, for what happens at the file-descriptor
// limit: libuv answers EMFILE by accepting and closing every pending
// connection at once, so clients that would have got in a moment later are
// turned away, and a client retrying in a loop makes the gateway spin. Here
// the listener stops polling instead and backs off (50 ms, doubling to 1 s):
// new connections wait in the kernel's backlog until descriptors are free.
// Each failure is counted (Stats::accept_errors) and logged at most once
// every 10 s, gateway-wide, with the limit it hit.
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
  ~Listener();
  Listener(Worker& worker, ListenerKind kind);
  // `first`: the first of the workers' sockets on this address, which
  // makes sure no other process holds it already.
  bool open(const std::string& host, int port, bool first, std::string& error);
  int port() const { return port_; }
  // Closes the handle; `this` must stay alive until the loop has run once more.
  void close();

 private:
  static void on_readable(uv_poll_t* poll, int status, int events);
  static void on_backoff_done(uv_timer_t* timer);
  // Accepts what is pending (a bounded number per wake-up, so one busy
  // listener cannot starve the loop); false when it must back off.
  void accept_pending();
  void back_off(int error);

  Worker& worker_;
  ListenerKind kind_;
  int fd_ = -1;
  uv_poll_t poll_{};
  uv_timer_t backoff_{};
  bool open_ = false;
  uint32_t backoff_ms_ = 0;  // the current pause; 0 while accepting normally
  int port_ = 0;
};

}  // namespace edgemq::net
