// One worker: a thread, its uv loop, and everything it accepted. It owns its
// listening socket (SO_REUSEPORT on the shared port, so the kernel spreads
// accepts), its connections, its core Shard, a timing wheel for keep-alive
// deadlines, and an inbox that other threads post tasks and hand batches of
// deliveries to.
//
// It reads the gateway's MemoryGuard: its partial packet budget limits reads
// and pauses connections, and while memory is high the worker sheds (QoS 0
// to slow clients dropped earlier); worker 0 samples memory on its tick.
//
// Handles owned here: listener, inbox async, tick timer, flush prepare. They
// are closed through uv_close in stop(); the loop must then close cleanly.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/core/shard.h"
#include "gateway/core/timer_wheel.h"
#include "gateway/net/listener.h"
#include "gateway/net/memory_guard.h"
#include "gateway/net/tls_context.h"
#include "gateway/net/transport.h"

namespace edgemq::net {

class Connection;

class Worker {
 public:
  using Task = std::function<void(Worker&)>;

  Worker(size_t index, core::Broker& broker, MemoryGuard& memory);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start(), on the main thread: what WebSocket and TLS connections
  // are set up with (TLS: the gateway's context, shared by every worker).
  void set_transport_options(const WsOptions& ws, std::shared_ptr<const TlsContext> tls);
  // Before start(). Returns false with `error` set.
  bool listen(ListenerKind kind, const std::string& host, int port, std::string& error);
  int bound_port(ListenerKind kind) const;  // 0 when not listening
  void set_peers(std::vector<Worker*> peers) { peers_ = std::move(peers); }
  void set_sys_interval(uint32_t seconds) { sys_interval_ms_ = seconds * 1000ull; }
  void start();  // runs the loop on a new thread
  void join();

  // Thread-safe; `task` runs on this worker's thread. Dropped once stopped.
  void post(Task task);
  // Thread-safe; called by worker `from` once per loop turn. Takes every
  // record of `batch` (left empty); they are delivered on this thread, in
  // order, before the tasks posted by then. Dropped once stopped.
  void take_deliveries(size_t from, core::DeliveryBatch& batch);
  // Read back-pressure for hand-offs (docs/architecture.md). On this thread:
  // the deliveries routed this turn to workers whose undelivered records
  // plus those reach kHandoffBacklog; and whether a worker this one feeds
  // holds at least kHandoffBacklog / divisor (if so, that worker wakes this
  // one once it has delivered some).
  size_t routed_to_congested() const;
  bool handoff_congested(size_t divisor);
  // On this thread (posted): the limits a reload set. The shard gets them
  // as they are, or shed while memory is high.
  void set_limits(const core::Limits& limits);
  // Thread-safe. Phase 1: stop accepting and close every connection.
  void request_drain();
  // Thread-safe. Phase 2: close the remaining handles; the loop then ends.
  void request_stop();
  size_t live_connections() const { return live_.load(std::memory_order_relaxed); }

  // --- for Connection and Listener, on this thread ---
  size_t index() const { return index_; }
  uv_loop_t* loop() { return &loop_; }
  core::Shard& shard() { return shard_; }
  core::Broker& broker() { return broker_; }
  core::TimerWheel& wheel() { return wheel_; }
  PartialPacketBudget& partial_budget() { return memory_.budget(); }
  // Memory is above the watermark: new clients are refused.
  bool memory_high() const { return memory_.high(); }
  // The shared read buffer; smaller while the partial packet budget is spent.
  uv_buf_t read_buffer();
  // Output buffers are lent to connections for the turns in which they have
  // something to write, so that an idle connection holds none.
  std::unique_ptr<std::string> take_output_buffer();
  void give_back_output_buffer(std::unique_ptr<std::string> buffer);
  void need_flush(uint64_t conn_id) { dirty_.push_back(conn_id); }
  void paused(uint64_t conn_id) { paused_.push_back(conn_id); }
  // A socket the listener accepted (its descriptor is the connection's now).
  void accepted(int fd, ListenerKind kind);
  // accept4 failed with `error` (EMFILE, ...): counted, and logged at most
  // once every 10 s for the whole gateway; the listener pauses `pause_ms`.
  void accept_failed(ListenerKind kind, int error, uint32_t pause_ms);
  // Takes a socket handed over by another worker, with the CONNECT it sent,
  // the bytes that followed it and its transport (TLS, WebSocket), if any.
  void adopt(int fd, mqtt::Connect connect, std::string rest, std::unique_ptr<Transport> transport,
             std::string unwritten);
  void hand_over(Connection& c, size_t to, mqtt::Connect connect, std::string rest);
  void forget(Connection& c);  // from the connection's close callback
  // The transports of this worker's TLS and WebSocket connections, by
  // connection id (kept out of Connection: plain TCP is the common case).
  void attach_transport(uint64_t conn_id, std::unique_ptr<Transport> t) { transports_[conn_id] = std::move(t); }
  std::unique_ptr<Transport> detach_transport(uint64_t conn_id);
  Transport* transport(uint64_t conn_id) const;
  // The client certificate's CN replaces CONNECT's username (mTLS).
  bool cn_as_username() const { return tls_ && tls_->options().cn_as_username; }
  bool draining() const { return draining_; }

 private:
  static void on_inbox(uv_async_t* h);
  static void on_tick(uv_timer_t* h);
  static void on_prepare(uv_prepare_t* h);
  void wake();  // thread-safe: one more loop turn, so paused readers are checked
  Connection* add_connection();
  // This worker's connection `id`, if still open. The shard's link registry is
  // the only index of connections, and every link it holds is a Connection.
  Connection* connection(uint64_t id) const;
  void drain_now();
  void stop_now();
  // How late this tick fired: into the worker's loop-lag histogram, and its
  // worst of each second into Stats::loop_lag_max_ns.
  void measure_loop_lag();
  // Reads again the paused connections that may be; see on_prepare.
  void resume_paused();
  // Follows the memory guard: the shard's limits shed or restored.
  void follow_memory_pressure();
  core::Limits effective_limits() const;

  size_t index_;
  core::Broker& broker_;
  MemoryGuard& memory_;
  core::Shard shard_;
  core::Limits limits_;   // as configured; the shard's copy may be shed
  bool shedding_ = false;  // the shard has the shed limits
  uv_loop_t loop_;
  uv_async_t inbox_async_;
  uv_timer_t tick_;
  uv_prepare_t flush_;
  std::unique_ptr<Listener> listeners_[kListenerKinds];  // by ListenerKind; only those configured
  WsOptions ws_options_;
  std::shared_ptr<const TlsContext> tls_;
  std::unordered_map<uint64_t, std::unique_ptr<Transport>> transports_;
  std::vector<Worker*> peers_;  // every worker, this one included, by index
  uint64_t sys_interval_ms_ = 0;  // $SYS publishing period (worker 0 only)
  uint64_t started_ms_ = 0;
  uint64_t next_sys_ms_ = 0;
  uint64_t last_tick_ns_ = 0;  // uv_hrtime() of the previous tick
  uint64_t lag_window_max_ns_ = 0;
  uint32_t lag_window_ticks_ = 0;
  core::TimerWheel wheel_;
  std::vector<char> read_buf_;
  std::vector<std::unique_ptr<std::string>> spare_output_;  // at most kSpareOutputBuffers
  std::vector<uint64_t> dirty_;
  std::vector<uint64_t> paused_;  // connections not read until their acks drain
  uint64_t next_conn_id_;
  std::atomic<size_t> live_{0};
  bool draining_ = false;
  std::thread thread_;

  std::mutex inbox_mu_;  // guards inbox_, inbound_ and inbox_open_
  std::vector<Task> inbox_;
  std::vector<core::DeliveryBatch> inbound_;  // by origin worker
  bool inbox_open_ = true;
  // What on_inbox took out of inbound_; only this thread touches it, and its
  // emptied vectors go back to inbound_ at the next swap, capacity kept.
  std::vector<core::DeliveryBatch> delivering_;
  std::atomic<size_t> handoff_backlog_{0};   // records handed to this worker, not yet delivered
  std::atomic<bool> origins_waiting_{false};  // a worker paused readers until that backlog drains
};

}  // namespace edgemq::net
