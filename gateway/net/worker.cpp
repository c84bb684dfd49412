#include "gateway/net/worker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include <spdlog/spdlog.h>

#include "gateway/net/connection.h"
#include "gateway/net/listener.h"
#include "gateway/core/sys_topics.h"

namespace edgemq::net {
namespace {
constexpr uint32_t kTickMs = 100;
constexpr size_t kReadBufferBytes = 64 * 1024;
// Spare output buffers kept for reuse, and the largest one kept: enough for
// the connections that write in one busy turn, without holding much memory.
constexpr size_t kSpareOutputBuffers = 1024;
constexpr size_t kSpareOutputCapacity = 16 * 1024;
// Undelivered records one worker may be handed before the workers feeding it
// pause the connections whose reads add more: 64 Ki records of 64 B plus the
// messages they share, a few MiB. Reading resumes below half.
constexpr size_t kHandoffBacklog = 64 * 1024;
// Paused connections checked every loop turn up to this many; more (the
// partial packet budget can pause thousands) are checked once a tick, so a
// busy loop does not look each one up on every turn.
constexpr size_t kPausedCheckedPerTurn = 256;
// While memory is high, QoS 0 to a client is dropped past this fraction of
// max_outbound_bytes (and its reading pauses at four times that).
constexpr size_t kShedOutboundDivisor = 8;
}  // namespace

Worker::Worker(size_t index, core::Broker& broker, MemoryGuard& memory)
    : index_(index),
      broker_(broker),
      memory_(memory),
      shard_(broker, index),
      limits_(broker.limits()),
      wheel_(0, kTickMs),
      read_buf_(kReadBufferBytes),
      // Connection ids are unique across workers: the worker index in the top bits.
      next_conn_id_((static_cast<uint64_t>(index) << 48) + 1),
      inbound_(broker.shard_count()),
      delivering_(broker.shard_count()) {
  uv_loop_init(&loop_);
  loop_.data = this;  // how a Connection finds its worker
  uv_update_time(&loop_);
  wheel_ = core::TimerWheel(uv_now(&loop_), kTickMs);
  uv_async_init(&loop_, &inbox_async_, on_inbox);
  inbox_async_.data = this;
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
  uv_prepare_init(&loop_, &flush_);
  flush_.data = this;
}

Worker::~Worker() {
  if (thread_.joinable()) thread_.join();
  if (inbox_open_) {  // never started: close the handles here
    stop_now();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop_) != 0) {
    spdlog::error("worker {}: loop closed with live handles", index_);
    std::abort();  // a handle leaked: a bug worth stopping for
  }
}

void Worker::set_transport_options(const WsOptions& ws, std::shared_ptr<const TlsContext> tls) {
  ws_options_ = ws;
  tls_ = std::move(tls);
}

bool Worker::listen(ListenerKind kind, const std::string& host, int port, std::string& error) {
  auto& l = listeners_[static_cast<size_t>(kind)];
  l = std::make_unique<Listener>(*this, kind);
  return l->open(host, port, index_ == 0, error);
}

int Worker::bound_port(ListenerKind kind) const {
  const auto& l = listeners_[static_cast<size_t>(kind)];
  return l ? l->port() : 0;
}

void Worker::start() {
  uv_update_time(&loop_);
  started_ms_ = uv_now(&loop_);
  shard_.on_tick(started_ms_);  // the shard's clock, before any traffic
  next_sys_ms_ = started_ms_ + sys_interval_ms_;
  uv_timer_start(&tick_, on_tick, kTickMs, kTickMs);
  uv_prepare_start(&flush_, on_prepare);
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::post(Task task) {
  std::lock_guard lock(inbox_mu_);
  if (!inbox_open_) return;
  inbox_.push_back(std::move(task));
  // Sends coalesce: one wake-up drains everything queued by then.
  if (inbox_.size() == 1) uv_async_send(&inbox_async_);
}

void Worker::take_deliveries(size_t from, core::DeliveryBatch& batch) {
  std::lock_guard lock(inbox_mu_);
  if (!inbox_open_) {
    batch.clear();
    return;
  }
  handoff_backlog_.fetch_add(batch.size());
  core::append_batch(inbound_[from], batch);
  // At most one per origin and loop turn; libuv coalesces pending sends. Under
  // the lock: once the inbox is closed the handle may be closed too.
  uv_async_send(&inbox_async_);
}

size_t Worker::routed_to_congested() const {
  size_t n = 0;
  for (size_t t = 0; t < peers_.size(); ++t) {
    if (t == index_) continue;
    // This turn's outbox counts too: libuv reads a busy socket many times
    // per turn, and one turn may read a lot from many sockets.
    const size_t routed = broker_.outbox_size(index_, t);
    if (peers_[t]->handoff_backlog_.load() + routed >= kHandoffBacklog) n += routed;
  }
  return n;
}

bool Worker::handoff_congested(size_t divisor) {
  for (size_t t = 0; t < peers_.size(); ++t) {
    Worker& target = *peers_[t];
    if (t == index_ || target.handoff_backlog_.load() < kHandoffBacklog / divisor) continue;
    target.origins_waiting_.store(true);
    // Checked again after the flag: it may have drained before seeing it.
    if (target.handoff_backlog_.load() >= kHandoffBacklog / divisor) return true;
  }
  return false;
}

void Worker::wake() {
  std::lock_guard lock(inbox_mu_);
  if (inbox_open_) uv_async_send(&inbox_async_);
}

void Worker::request_drain() {
  post([](Worker& w) { w.drain_now(); });
}

void Worker::request_stop() {
  post([](Worker& w) { w.stop_now(); });
}

void Worker::on_inbox(uv_async_t* h) {
  auto* self = static_cast<Worker*>(h->data);
  std::vector<Task> tasks;
  {
    std::lock_guard lock(self->inbox_mu_);
    tasks.swap(self->inbox_);
    // delivering_ holds only emptied vectors here: inbound_ gets their capacity.
    self->inbound_.swap(self->delivering_);
  }
  size_t delivered = 0;
  for (auto& batch : self->delivering_) {
    delivered += batch.size();
    if (!batch.empty()) core::deliver_batch(self->shard_, batch);
  }
  if (delivered != 0) {
    self->handoff_backlog_.fetch_sub(delivered);
    // After the decrement: a worker that saw the backlog high set the flag
    // first, so either it sees the drop or it is woken (both seq_cst).
    if (self->origins_waiting_.exchange(false)) {
      for (Worker* p : self->peers_) {
        if (p != self) p->wake();
      }
    }
  }
  for (auto& t : tasks) t(*self);
}

void Worker::measure_loop_lag() {
  const uint64_t now = uv_hrtime();
  // libuv sets a repeating timer's next due time from the loop time when it
  // fires, so this tick was due one period after the previous one ran.
  if (last_tick_ns_ != 0) {
    const uint64_t due = last_tick_ns_ + uint64_t{kTickMs} * 1'000'000;
    const uint64_t lag = now > due ? now - due : 0;
    core::Stats& st = broker_.stats();
    st.loop_lag[index_].observe_ns(lag);
    lag_window_max_ns_ = std::max(lag_window_max_ns_, lag);
    if (++lag_window_ticks_ == 1000 / kTickMs) {
      st.loop_lag_max_ns[index_].store(lag_window_max_ns_, std::memory_order_relaxed);
      lag_window_max_ns_ = 0;
      lag_window_ticks_ = 0;
    }
  }
  last_tick_ns_ = now;
}

void Worker::on_tick(uv_timer_t* h) {
  auto* self = static_cast<Worker*>(h->data);
  self->measure_loop_lag();
  self->wheel_.advance(uv_now(&self->loop_), [self](core::TimerWheel::Id id) {
    if (Connection* c = self->connection(id)) c->on_deadline();
  });
  uint64_t now = uv_now(&self->loop_);
  if (self->index_ == 0) self->memory_.on_tick(now);
  self->follow_memory_pressure();
  if (self->paused_.size() > kPausedCheckedPerTurn) self->resume_paused();
  self->shard_.on_tick(now);
  if (self->sys_interval_ms_ != 0 && now >= self->next_sys_ms_) {
    self->next_sys_ms_ = now + self->sys_interval_ms_;
    core::publish_sys_topics(self->shard_, (now - self->started_ms_) / 1000);
  }
}

void Worker::on_prepare(uv_prepare_t* h) {
  // Once per loop turn, before blocking: hand other workers the deliveries
  // this turn routed to them, then write what this turn queued.
  auto* self = static_cast<Worker*>(h->data);
  // Retained messages owed since a SUBSCRIBE, as much as their clients
  // have room for; written with the rest of this turn's output below.
  if (self->shard_.feeding_retained()) self->shard_.pump_retained();
  self->broker_.flush_deliveries(self->index_);
  std::vector<uint64_t> ids;
  ids.swap(self->dirty_);
  for (uint64_t id : ids) {
    if (Connection* c = self->connection(id)) c->flush();
  }
  // Paused readers are usually few; checking them once a turn is cheap.
  if (self->paused_.size() <= kPausedCheckedPerTurn) self->resume_paused();
}

void Worker::resume_paused() {
  std::erase_if(paused_, [this](uint64_t id) {
    Connection* c = connection(id);
    return c == nullptr || c->resume_if_drained();
  });
}

void Worker::set_limits(const core::Limits& limits) {
  limits_ = limits;
  shard_.set_limits(effective_limits());
}

core::Limits Worker::effective_limits() const {
  core::Limits l = limits_;
  if (shedding_) l.max_outbound_bytes = std::max<size_t>(1024, l.max_outbound_bytes / kShedOutboundDivisor);
  return l;
}

void Worker::follow_memory_pressure() {
  if (memory_.high() == shedding_) return;
  shedding_ = !shedding_;
  shard_.set_limits(effective_limits());
}

uv_buf_t Worker::read_buffer() {
  const size_t n = memory_.budget().read_size(read_buf_.size());
  return uv_buf_init(read_buf_.data(), static_cast<unsigned>(n));
}

std::unique_ptr<std::string> Worker::take_output_buffer() {
  if (spare_output_.empty()) return std::make_unique<std::string>();
  auto b = std::move(spare_output_.back());
  spare_output_.pop_back();
  return b;
}

void Worker::give_back_output_buffer(std::unique_ptr<std::string> buffer) {
  if (!buffer || buffer->capacity() > kSpareOutputCapacity || spare_output_.size() >= kSpareOutputBuffers) return;
  buffer->clear();
  spare_output_.push_back(std::move(buffer));
}

Connection* Worker::add_connection() {
  uint64_t id = next_conn_id_++;
  auto* c = new Connection(&loop_, id);
  shard_.attach(*c);
  live_.fetch_add(1, std::memory_order_relaxed);
  return c;
}

void Worker::accepted(int fd, ListenerKind kind) {
  if (draining_) {
    ::close(fd);
    return;
  }
  core::Stats::add(broker_.stats().connections_accepted);
  core::Stats::add(broker_.stats().accepted_by_listener[static_cast<size_t>(kind)]);
  Connection* c = add_connection();
  if (kind != ListenerKind::Mqtt) {
    // The context current now: a reload later leaves this connection's alone.
    std::unique_ptr<TlsSession> tls;
    if (uses_tls(kind)) tls = std::make_unique<TlsSession>(tls_->current());
    std::unique_ptr<WsTransport> ws;
    if (uses_websocket(kind)) ws = std::make_unique<WsTransport>(ws_options_);
    c->use_transport(std::make_unique<Transport>(std::move(tls), std::move(ws)));
  }
  c->accept_fd(fd);
}

void Worker::accept_failed(ListenerKind kind, int error, uint32_t pause_ms) {
  core::Stats::add(broker_.stats().accept_errors);
  // One line per 10 s for all workers and listeners: at the descriptor
  // limit every listener fails on every wake-up.
  static std::atomic<uint64_t> last_logged_ms{0};
  static std::atomic<uint64_t> unlogged{0};
  const uint64_t now = uv_now(loop());
  uint64_t last = last_logged_ms.load(std::memory_order_relaxed);
  if (last != 0 && now - last < 10'000) {
    unlogged.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!last_logged_ms.compare_exchange_strong(last, now)) return;
  rlimit fds{};
  ::getrlimit(RLIMIT_NOFILE, &fds);
  spdlog::warn("accept on {} failed: {} (open files limit {}, {} connections on this worker); new connections "
               "wait in the backlog, accepting again in {} ms; {} more failures since the last such line",
               name_of(kind), std::strerror(error), static_cast<uint64_t>(fds.rlim_cur), live_connections(), pause_ms,
               unlogged.exchange(0));
}

void Worker::hand_over(Connection& c, size_t to, mqtt::Connect connect, std::string rest) {
  // The socket outlives this handle through a duplicate descriptor; the
  // kernel keeps whatever the client sends meanwhile.
  int fd = c.duplicate_fd();
  // The TLS and WebSocket state (mid-record, mid-frame maybe) goes along:
  // the stream continues there. An SSL may move between threads as long as
  // one uses it at a time.
  std::shared_ptr<Transport> layers(c.take_transport().release());
  // Bytes already made for the client go out first over there: a TLS 1.3
  // session ticket, written as the handshake ended in the same read as
  // CONNECT, is part of the record sequence the client checks.
  std::string unwritten = c.take_unwritten();
  const bool in_flight = c.writing();
  c.abort(true);
  if (fd < 0) return;
  if (layers && in_flight) {
    // Bytes libuv still holds would be lost with this handle and break the
    // TLS or WebSocket stream; never seen (the handshake's bytes are long
    // written by the time CONNECT arrives), but a clean close beats that.
    spdlog::warn("connection {}: not handed over, earlier output still being written", c.id());
    ::close(fd);
    return;
  }
  // The task owns the descriptor until adopt takes it: a task dropped because
  // the target already stopped (shutdown) closes it instead of leaking it.
  auto owned = std::shared_ptr<int>(new int(fd), [](int* p) {
    if (*p >= 0) ::close(*p);
    delete p;
  });
  // (A shared_ptr: tasks are std::functions, which must be copyable.)
  peers_[to]->post([owned, layers, connect = std::move(connect), rest = std::move(rest),
                    unwritten = std::move(unwritten)](Worker& w) mutable {
    std::unique_ptr<Transport> transport;
    if (layers) transport = std::make_unique<Transport>(std::move(*layers));
    w.adopt(std::exchange(*owned, -1), std::move(connect), std::move(rest), std::move(transport),
            std::move(unwritten));
  });
}

void Worker::adopt(int fd, mqtt::Connect connect, std::string rest, std::unique_ptr<Transport> transport,
                   std::string unwritten) {
  if (draining_) {
    ::close(fd);
    return;
  }
  add_connection()->adopt(fd, std::move(connect), rest, std::move(transport), std::move(unwritten));
}

Connection* Worker::connection(uint64_t id) const { return static_cast<Connection*>(shard_.link(id)); }

void Worker::forget(Connection& c) {
  live_.fetch_sub(1, std::memory_order_relaxed);
  transports_.erase(c.id());
}

std::unique_ptr<Transport> Worker::detach_transport(uint64_t conn_id) {
  auto it = transports_.find(conn_id);
  if (it == transports_.end()) return nullptr;
  std::unique_ptr<Transport> t = std::move(it->second);
  transports_.erase(it);
  return t;
}

Transport* Worker::transport(uint64_t conn_id) const {
  auto it = transports_.find(conn_id);
  return it == transports_.end() ? nullptr : it->second.get();
}

void Worker::drain_now() {
  draining_ = true;
  for (auto& l : listeners_) {
    if (l) l->close();
  }
  // Server shutdown is not a client failure: no wills (see docs/architecture.md).
  std::vector<Connection*> all;
  shard_.for_each_link([&](core::Link& l) { all.push_back(static_cast<Connection*>(&l)); });
  for (Connection* c : all) c->shut_down();
}

void Worker::stop_now() {
  drain_now();
  {
    std::lock_guard lock(inbox_mu_);
    inbox_open_ = false;
    inbox_.clear();
    for (auto& batch : inbound_) batch.clear();
  }
  uv_timer_stop(&tick_);
  uv_prepare_stop(&flush_);
  uv_close(reinterpret_cast<uv_handle_t*>(&inbox_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_), nullptr);
}

}  // namespace edgemq::net
