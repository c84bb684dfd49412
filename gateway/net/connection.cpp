#include "gateway/net/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/core/client.h"
#include "gateway/net/worker.h"
#include "protocols/mqtt/codec.h"

namespace edgemq::net {
namespace {
constexpr uint64_t kCloseGraceMs = 5000;    // a closing socket gets this long to drain
// Unwritten output, in multiples of max_outbound_bytes, at which a client that
// does not read its socket stops being read: QoS 0 is dropped from 1x on, but
// its own replies (acks, retained on SUBSCRIBE) could otherwise grow forever.
constexpr size_t kOutputPauseFactor = 4;
}  // namespace

struct Connection::WriteReq {
  uv_write_t req;
  Connection* conn;
  std::unique_ptr<std::string> data;  // the connection's output buffer, handed over whole
};

Connection::Connection(uv_loop_t* loop, uint64_t id) : id_(id) {
  uv_tcp_init(loop, &handle_);
  handle_.data = this;
}

uint64_t Connection::now_ms() const { return uv_now(handle_.loop); }

uint32_t Connection::now_ds() const { return static_cast<uint32_t>((now_ms() + 99) / 100); }

void Connection::mark_received() { last_rx_ds_ = now_ds(); }

std::string& Connection::out() {
  if (Transport* t = transport()) return t->pending();
  return wire();
}

std::string& Connection::wire() {
  if (!out_) out_ = worker().take_output_buffer();
  return *out_;
}

size_t Connection::writing_bytes() const {
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(&handle_));
}

size_t Connection::queued_bytes() const {
  const Transport* t = transport();
  return (out_ ? out_->size() : 0) + (t != nullptr ? t->pending_bytes() : 0) + writing_bytes();
}

bool Connection::accept_fd(int fd) {
  if (uv_tcp_open(&handle_, fd) != 0) {
    ::close(fd);
    abort(true);
    return false;
  }
  uv_tcp_nodelay(&handle_, 1);
  mark_received();
  worker().wheel().schedule(id_, now_ms() + worker().shard().limits().connect_timeout_s * 1000ull);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), on_alloc, on_read);
  return true;
}

bool Connection::adopt(int fd, mqtt::Connect connect, const std::string& rest, std::unique_ptr<Transport> transport,
                       std::string unwritten) {
  if (transport) use_transport(std::move(transport));
  if (uv_tcp_open(&handle_, fd) != 0) {
    ::close(fd);
    abort(true);
    return false;
  }
  if (!unwritten.empty()) {
    wire() = std::move(unwritten);
    queue_bytes(0);  // counted as sent where they were made
  }
  uv_tcp_nodelay(&handle_, 1);
  mark_received();
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  v5_ = connect.level == mqtt::ProtocolLevel::V5;
  if (!handle_connect(std::move(connect), {})) return false;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), on_alloc, on_read);
  consume(bytes);
  return true;
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  // Every read lands in the worker's one buffer; see the header.
  *buf = static_cast<Connection*>(h->data)->worker().read_buffer();
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(s->data);
  if (nread == 0) return;
  if (self->state_ == State::Closing) {
    if (self->close_wait_) self->finish_close_wait(nread, buf);
    return;
  }
  if (nread < 0) {
    if (self->state_ != State::Bound) self->count_attempt(core::ConnectResult::Closed);
    self->abort(false);  // EOF or reset without DISCONNECT: the will goes out [MQTT-3.1.2-8]
    return;
  }
  core::Stats::add(self->worker().broker().stats().bytes_received, static_cast<uint64_t>(nread));
  // Any byte counts for keep-alive; a packet that never ends is
  // packet_timeout's (arm_deadline).
  self->mark_received();
  const size_t congested = self->worker().routed_to_congested();
  self->receive(std::span(reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread)));
  const bool feeds_congested = self->worker().routed_to_congested() > congested;
  if (self->pause_if_backlogged(feeds_congested)) self->worker().paused(self->id_);
}

void Connection::use_transport(std::unique_ptr<Transport> t) {
  layered_ = true;
  worker().attach_transport(id_, std::move(t));
}

std::unique_ptr<Transport> Connection::take_transport() {
  if (!layered_) return nullptr;
  layered_ = false;
  return worker().detach_transport(id_);
}

std::string Connection::take_unwritten() {
  if (!out_) return {};
  std::string bytes = std::move(*out_);
  out_->clear();
  return bytes;
}

Transport* Connection::transport() const { return layered_ ? worker().transport(id_) : nullptr; }

void Connection::receive(std::span<const uint8_t> in) {
  Transport* t = transport();
  if (t == nullptr) {
    consume(in);
    return;
  }
  // The MQTT bytes of this read; take() keeps what it cannot use yet.
  thread_local std::string app;
  app.clear();
  std::string& w = wire();
  const size_t before = w.size();
  const bool open = t->on_read(in, app, w);
  if (w.size() > before) queue_bytes(w.size() - before);
  const bool progressed = !app.empty() && take(std::span(reinterpret_cast<const uint8_t*>(app.data()), app.size()));
  // Also without MQTT bytes: the WebSocket's partial message may have grown.
  settle_partial(progressed);
  if (open || state_ == State::Closing) return;
  // TLS or the WebSocket ended (refused, closed, broken) without MQTT's
  // DISCONNECT: as a lost connection, the will goes out. A client that broke
  // their rules is not waited for.
  const std::string why = t->why();
  if (!why.empty()) {
    if (!t->tls()->established()) core::Stats::add(worker().broker().stats().tls_handshake_failures);
    spdlog::debug("connection {}: TLS: {}", id_, why);
  }
  if (state_ != State::Bound) {
    count_attempt(why.empty() ? core::ConnectResult::Closed : core::ConnectResult::HandshakeFailed);
  }
  close_socket(false);
}

void Connection::consume(std::span<const uint8_t> in) { settle_partial(take(in)); }

bool Connection::take(std::span<const uint8_t> in) {
  size_t expected = 0;
  if (!partial_ || partial_->bytes.empty()) {
    const size_t used = process(in, expected);
    if (used == SIZE_MAX) return false;
    if (used < in.size()) {
      if (!partial_) partial_ = std::make_unique<PartialPacket>();
      append_partial(partial_->bytes, in.subspan(used), expected);
    }
    return used > 0;
  }
  std::string& held = partial_->bytes;
  // The packet's size is known once its header is in: what the buffer may grow to.
  append_partial(held, in, mqtt::decode(std::span(reinterpret_cast<const uint8_t*>(held.data()), held.size()),
                                        SIZE_MAX, level()).needed);
  const size_t used = process(std::span(reinterpret_cast<const uint8_t*>(held.data()), held.size()), expected);
  if (used == SIZE_MAX || !partial_) return false;
  drop_front(held, used);  // idle connections keep no buffer: settle_partial drops partial_
  return used > 0;
}

void Connection::settle_partial(bool progressed) {
  const Transport* t = transport();
  const uint64_t holding = (partial_ && !partial_->bytes.empty() ? partial_->bytes.capacity() : 0) +
                           (t != nullptr ? t->partial_bytes() : 0);
  PartialPacketBudget& budget = worker().partial_budget();
  if (holding == 0) {
    if (partial_) budget.charge(partial_->charged, 0);
    partial_.reset();
    return;
  }
  if (!partial_) partial_ = std::make_unique<PartialPacket>();
  const bool begun = partial_->since_ds == 0;  // made in this read
  if (begun || progressed) partial_->since_ds = now_ds();
  // Before CONNACK a connection is bounded by max_connect_packet_size and
  // connect_timeout; charging it too would let clients that never connect
  // spend the budget that pauses the ones that did.
  const uint64_t charge = state_ == State::Bound ? holding : 0;
  budget.charge(partial_->charged, charge);
  partial_->charged = static_cast<uint32_t>(charge);
  if (begun && state_ == State::Bound) arm_deadline();
}

size_t Connection::process(std::span<const uint8_t> in, size_t& expected) {
  const auto& limits = worker().shard().limits();
  size_t off = 0;
  while (off < in.size() && state_ != State::Closing) {
    size_t max = state_ == State::AwaitConnect ? limits.max_connect_packet_size : limits.max_packet_size;
    mqtt::DecodeResult r = mqtt::decode(in.subspan(off), max, level());
    if (r.status == mqtt::DecodeResult::Status::NeedMore) {
      expected = r.needed;
      break;
    }
    if (r.status == mqtt::DecodeResult::Status::Error) {
      if (r.error == mqtt::DecodeError::UnsupportedProtocolLevel && state_ == State::AwaitConnect) {
        // In 3.1.1's form: the client's version is not one we speak [MQTT-3.1.2-2].
        send(mqtt::Connack{false, mqtt::ConnackCode::UnacceptableProtocol, {}});
        protocol_error(mqtt::describe(r.error), 0, core::ConnectResult::Rejected);
        return SIZE_MAX;
      }
      protocol_error(mqtt::describe(r.error), mqtt::reason_for(r.error));
      return SIZE_MAX;
    }
    off += r.consumed;
    if (state_ == State::Authenticating) {
      auto* auth = std::get_if<mqtt::Auth>(&r.packet);
      if (auth == nullptr) {
        protocol_error("only AUTH may come before CONNACK", 0);  // section 4.12
        return SIZE_MAX;
      }
      if (!finish_connect(worker().shard().on_auth(*this, std::move(*auth)))) return SIZE_MAX;
      continue;
    }
    if (state_ == State::AwaitConnect) {
      auto* connect = std::get_if<mqtt::Connect>(&r.packet);
      if (connect == nullptr) {
        protocol_error("first packet is not CONNECT", 0);  // [MQTT-3.1.0-1]
        return SIZE_MAX;
      }
      v5_ = connect->level == mqtt::ProtocolLevel::V5;
      if (worker().memory_high()) {
        refuse_busy();
        return SIZE_MAX;
      }
      if (!handle_connect(std::move(*connect), in.subspan(off))) return SIZE_MAX;
      continue;
    }
    bool disconnect = std::holds_alternative<mqtt::Disconnect>(r.packet);
    const char* name = mqtt::name_of(mqtt::type_of(r.packet));
    const uint8_t refused = worker().shard().on_packet(id_, std::move(r.packet));
    if (refused != mqtt::reason::kSuccess) {
      protocol_error(name, refused);
      return SIZE_MAX;
    }
    if (disconnect) {
      graceful_ = true;
      close();
      return SIZE_MAX;
    }
  }
  return off;
}

bool Connection::apply_certificate_identity(mqtt::Connect& c) {
  if (!worker().cn_as_username()) return true;
  const Transport* t = transport();
  if (t == nullptr || t->tls() == nullptr) return true;  // not a TLS listener: CONNECT's own username
  std::string cn = t->tls()->peer_common_name();
  if (cn.empty()) {
    spdlog::info("connection {}: refused: no client certificate with a CN to use as username", id_);
    return false;
  }
  spdlog::debug("connection {}: username '{}' from the client certificate", id_, cn);
  c.username = std::move(cn);
  return true;
}

void Connection::refuse_busy() {
  // The first thing shed while memory is high: a client told to come back
  // later costs less than one more session (docs/architecture.md).
  send(mqtt::Connack{false, v5_ ? static_cast<mqtt::ConnackCode>(mqtt::reason::kServerBusy)
                                : mqtt::ConnackCode::ServerUnavailable,
                     {}});
  count_attempt(core::ConnectResult::Busy);
  spdlog::debug("connection {}: CONNECT refused, memory is above memory_high_watermark", id_);
  close();
}

bool Connection::handle_connect(mqtt::Connect&& c, std::span<const uint8_t> rest) {
  if (!apply_certificate_identity(c)) {
    send(mqtt::Connack{false, v5_ ? static_cast<mqtt::ConnackCode>(mqtt::reason::kNotAuthorized)
                                  : mqtt::ConnackCode::NotAuthorized,
                       {}});
    count_attempt(core::ConnectResult::Rejected);
    close();
    return false;
  }
  auto result = worker().shard().on_connect(*this, c);
  switch (result.outcome) {
    case core::Shard::ConnectOutcome::Accepted:
    case core::Shard::ConnectOutcome::Rejected:
    case core::Shard::ConnectOutcome::Authenticating:
      return finish_connect(result);
    case core::Shard::ConnectOutcome::HandOver:
      worker().hand_over(*this, result.home_shard, std::move(c),
                        std::string(reinterpret_cast<const char*>(rest.data()), rest.size()));
      return false;
  }
  return false;
}

bool Connection::finish_connect(const core::Shard::ConnectResult& result) {
  switch (result.outcome) {
    case core::Shard::ConnectOutcome::Accepted:
      bind(result.keep_alive);
      return true;
    case core::Shard::ConnectOutcome::Authenticating:
      // The connect timeout, set at accept, still bounds the exchange.
      state_ = State::Authenticating;
      return true;
    default:
      count_attempt(core::ConnectResult::Rejected);
      return false;
  }
}

void Connection::count_attempt(core::ConnectResult r) {
  worker().broker().stats().count_connect(static_cast<size_t>(kind()), r);
}

void Connection::note_close_reason(core::DisconnectReason r) {
  if (core::Client* c = worker().shard().client(id_)) c->set_close_reason(r);
}

core::Link::Info Connection::info() const {
  Info i;
  i.listener = name_of(kind());
  i.keep_alive_s = keep_alive_s_;
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return i;
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    uv_ip6_name(a6, host, sizeof host);
    i.peer = "[" + std::string(host) + "]:" + std::to_string(ntohs(a6->sin6_port));
  } else {
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
    uv_ip4_name(a4, host, sizeof host);
    i.peer = std::string(host) + ":" + std::to_string(ntohs(a4->sin_port));
  }
  return i;
}

ListenerKind Connection::kind() const {
  const Transport* t = transport();
  if (t == nullptr) return ListenerKind::Mqtt;
  if (t->tls() != nullptr) return t->websocket() ? ListenerKind::Wss : ListenerKind::Mqtts;
  return ListenerKind::Ws;
}

std::atomic<int64_t>& Connection::connected_gauge() const {
  return worker().broker().stats().connected_by[static_cast<size_t>(kind())][v5_ ? 1 : 0];
}

void Connection::bind(uint16_t keep_alive_s) {
  state_ = State::Bound;
  if (!counted_) {
    counted_ = true;
    connected_gauge().fetch_add(1, std::memory_order_relaxed);
    count_attempt(core::ConnectResult::Accepted);
  }
  keep_alive_s_ = keep_alive_s;
  arm_deadline();
}

uint64_t Connection::keep_alive_deadline(uint64_t now) const {
  if (keep_alive_s_ == 0) return 0;
  // One and a half keep-alive periods of silence end the connection [MQTT-3.1.2-24].
  // While reading is paused its PINGREQs wait unread in the socket, so
  // the silence is the gateway's and does not count.
  const uint64_t deadline = last_rx_ms() + keep_alive_s_ * 1500ull;
  return paused_ ? std::max<uint64_t>(deadline, now + keep_alive_s_ * 1500ull) : deadline;
}

uint64_t Connection::packet_deadline() const {
  if (!partial_) return 0;
  return uint64_t{partial_->since_ds} * 100 + worker().shard().limits().packet_timeout_s * 1000ull;
}

void Connection::arm_deadline() {
  const uint64_t keep_alive = keep_alive_deadline(now_ms());
  const uint64_t packet = packet_deadline();
  if (keep_alive == 0 && packet == 0) {
    worker().wheel().cancel(id_);
    return;
  }
  worker().wheel().schedule(id_, keep_alive == 0 ? packet : packet == 0 ? keep_alive : std::min(keep_alive, packet));
}

void Connection::close_for_packet_timeout() {
  core::Stats::add(worker().broker().stats().packet_timeouts);
  note_close_reason(core::DisconnectReason::PacketTimeout);
  spdlog::debug("connection {}: a packet begun was not finished within packet_timeout ({} s, {} bytes held): closed",
                id_, worker().shard().limits().packet_timeout_s, partial_bytes());
  // No DISCONNECT: 5.0 has no reason code for this (0x8D would name the
  // keep-alive), and the client is busy sending. Closed as a lost connection,
  // so its will goes out [MQTT-3.1.2-8].
  abort(false);
}

void Connection::on_deadline() {
  uint64_t now = now_ms();
  switch (state_) {
    case State::AwaitConnect:  // no CONNECT in time
    case State::Authenticating:  // no CONNACK in time
      count_attempt(core::ConnectResult::Timeout);
      abort(true);
      return;
    case State::Closing:  // its writes did not drain in time
      abort(graceful_);
      return;
    case State::Bound: {
      // Paused or not: a connection paused by the partial packet budget
      // holds the budget until its packet ends or this closes it.
      const uint64_t packet = packet_deadline();
      if (packet != 0 && now >= packet) {
        close_for_packet_timeout();
        return;
      }
      const uint64_t keep_alive = keep_alive_deadline(now);
      if (keep_alive != 0 && now >= keep_alive) {
        core::Stats::add(worker().broker().stats().keepalive_timeouts);
        note_close_reason(core::DisconnectReason::KeepAliveTimeout);
        if (v5_) {
          // Told why [MQTT-3.1.2-22]; still abnormal, so the will goes out.
          say_goodbye(mqtt::reason::kKeepAliveTimeout, nullptr);
          close();
        } else {
          abort(false);
        }
        return;
      }
      arm_deadline();
      return;
    }
  }
}

void Connection::protocol_error(const char* what, uint8_t reason, core::ConnectResult attempt) {
  core::Stats::add(worker().broker().stats().protocol_errors);
  if (state_ == State::Bound) {
    note_close_reason(core::DisconnectReason::ProtocolError);
  } else if (state_ != State::Closing) {
    count_attempt(attempt);
  }
  spdlog::debug("connection {}: protocol error: {} (reason 0x{:02x})", id_, what, reason);
  // A 5.0 client is told why before the connection closes [MQTT-4.13.1-1];
  // not before its CONNECT was accepted (the CONNACK would have to say it).
  if (reason != 0) say_goodbye(reason, what);
  close();
}

void Connection::say_goodbye(uint8_t reason, const char* detail) {
  if (!v5_ || state_ != State::Bound) return;
  mqtt::Disconnect d{reason, {}};
  std::string text = mqtt::reason::describe(reason);
  if (detail != nullptr && *detail != '\0') text.append(": ").append(detail);
  d.props.mut().reason_string = std::move(text);
  // The reason string is left out where it would make the packet larger
  // than the client accepts [MQTT-3.14.2-3].
  const core::Client* c = worker().shard().client(id_);
  const core::V5State* st = c != nullptr ? c->v5_state() : nullptr;
  if (st != nullptr && st->maximum_packet_size != 0 &&
      mqtt::encoded_size(d, mqtt::ProtocolLevel::V5) > st->maximum_packet_size) {
    d.props.reset();
  }
  send(d);
}

void Connection::shut_down() {
  // Best effort: written now if the socket takes it, as the loop is ending.
  note_close_reason(core::DisconnectReason::ServerShutdown);
  say_goodbye(mqtt::reason::kServerShuttingDown, nullptr);
  if (Transport* t = transport(); t != nullptr && state_ != State::Closing) t->close(ws::kCloseGoingAway, wire());
  flush();
  abort(true);
}

void Connection::send(const mqtt::Packet& p) {
  if (state_ == State::Closing) return;
  std::string& o = out();
  size_t before = o.size();
  mqtt::encode(p, o, level());
  queue_bytes(o.size() - before);
  if (Transport* t = transport()) t->end_packet(wire());
}

void Connection::send_publish(const mqtt::PublishView& p) {
  if (state_ == State::Closing) return;
  std::string& o = out();
  size_t before = o.size();
  mqtt::encode(p, o, level());
  queue_bytes(o.size() - before);
  // One WebSocket message per MQTT packet: [MQTT-6.0.0-2] lets a frame hold
  // several, but Paho 1.3 was seen to lose a PUBLISH that shared one with
  // CONNACK.
  if (Transport* t = transport()) t->end_packet(wire());
}

void Connection::queue_bytes(size_t added) {
  core::Stats::add(worker().broker().stats().bytes_sent, added);
  if (!flush_pending_) {
    flush_pending_ = true;
    worker().need_flush(id_);
  }
}

void Connection::flush() {
  flush_pending_ = false;
  if (Transport* t = transport(); t != nullptr && !closing_started_) t->seal(wire());
  if (!out_ || closing_started_) return;
  if (out_->empty()) {
    worker().give_back_output_buffer(std::move(out_));
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  // uv_try_write refuses (EAGAIN) while earlier writes are queued, so bytes
  // never overtake each other.
  uv_buf_t b = uv_buf_init(out_->data(), static_cast<unsigned>(out_->size()));
  int n = uv_try_write(stream, &b, 1);
  if (n < 0 && n != UV_EAGAIN) {
    abort(false);
    return;
  }
  size_t written = n > 0 ? static_cast<size_t>(n) : 0;
  if (written == out_->size()) {
    worker().give_back_output_buffer(std::move(out_));
    return;
  }
  // The rest waits in the kernel's stead: the buffer itself goes with the request.
  out_->erase(0, written);
  auto* req = new WriteReq{{}, this, std::move(out_)};
  req->req.data = req;
  b = uv_buf_init(req->data->data(), static_cast<unsigned>(req->data->size()));
  if (uv_write(&req->req, stream, &b, 1, on_write) != 0) {
    delete req;
    abort(false);
  }
}

void Connection::on_write(uv_write_t* r, int status) {
  std::unique_ptr<WriteReq> req(static_cast<WriteReq*>(r->data));
  Connection* self = req->conn;
  self->worker().give_back_output_buffer(std::move(req->data));
  if (status < 0 && status != UV_ECANCELED) {
    self->abort(self->graceful_);
    return;
  }
  if (self->state_ == State::Closing && self->writing_bytes() == 0 && !self->close_wait_) self->start_close();
}

bool Connection::awaiting_peer_close() const {
  const Transport* t = transport();
  return t != nullptr && t->awaiting_close();
}

void Connection::finish_close_wait(ssize_t nread, const uv_buf_t* buf) {
  // Only a closing TLS or WebSocket connection still reads: for the
  // client's close frame or close_notify. Anything else it sends is dropped.
  Transport* t = transport();
  if (nread < 0 || t == nullptr) {
    abort(graceful_);
    return;
  }
  thread_local std::string ignored;
  ignored.clear();
  std::string& w = wire();
  // The WebSocket's close may be done while TLS still waits for close_notify.
  (void)t->on_read(std::span(reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread)), ignored, w);
  if (t->awaiting_close()) return;
  close_wait_ = false;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
  flush();
  if (writing_bytes() == 0) start_close();
}

// A client that sends faster than its replies drain, or than the store
// commits, is not read until they do: its acks and its unread output are bounded.
bool Connection::backlogged(size_t divisor) const {
  const auto& limits = worker().shard().limits();
  return worker().shard().pending_acks(id_) >= limits.max_pending_acks / divisor ||
         queued_bytes() >= kOutputPauseFactor * limits.max_outbound_bytes / divisor;
}

bool Connection::pause_if_backlogged(bool feeds_congested) {
  if (paused_ || state_ != State::Bound) return false;
  // The budget's rule: over it, whoever holds more than a small read waits.
  const bool over_budget = worker().partial_budget().pauses(partial_bytes());
  if (!feeds_congested && !over_budget && !backlogged(1)) return false;
  if (over_budget) core::Stats::add(worker().broker().stats().partial_packet_pauses);
  paused_ = true;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
  return true;
}

bool Connection::resume_if_drained() {
  if (!paused_) return true;
  if (state_ != State::Bound) return true;  // closing: nothing to resume
  if (worker().partial_budget().holds_back(partial_bytes()) || backlogged(2) || worker().handoff_congested(2)) {
    return false;
  }
  paused_ = false;
  mark_received();  // its silence while paused was ours
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), on_alloc, on_read);
  return true;
}

int Connection::duplicate_fd() {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd) != 0) return -1;
  return ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

void Connection::close() { close_socket(true); }

void Connection::close_socket(bool await_peer) {
  if (state_ == State::Closing) return;
  // What MQTT queued goes first, then the WebSocket's close frame and TLS's close_notify.
  if (Transport* t = transport()) t->close(ws::kCloseNormal, wire());
  state_ = State::Closing;
  // A WebSocket client answers our close frame before the socket goes
  // [RFC 6455 7.1.1], a TLS client our close_notify [RFC 8446 6.1]; until
  // then (or the grace period) it is still read. Closing first would make
  // the kernel answer the client's last bytes with a reset, which clients
  // report as an error (Node did: "write ECONNRESET").
  const bool await_reply = await_peer && awaiting_peer_close();
  close_wait_ = await_reply;
  if (!await_reply) uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
  flush();
  if (writing_bytes() == 0 && !await_reply) {
    start_close();
  } else {
    worker().wheel().schedule(id_, now_ms() + kCloseGraceMs);
  }
}

void Connection::abort(bool graceful) {
  graceful_ = graceful_ || graceful;
  state_ = State::Closing;
  start_close();
}

void Connection::start_close() {
  if (closing_started_) return;
  closing_started_ = true;
  worker().wheel().cancel(id_);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_closed);
}

void Connection::on_closed(uv_handle_t* h) {
  auto* self = static_cast<Connection*>(h->data);
  if (self->partial_) self->worker().partial_budget().charge(self->partial_->charged, 0);
  if (self->counted_) self->connected_gauge().fetch_sub(1, std::memory_order_relaxed);  // before its transport goes
  self->worker().forget(*self);
  self->worker().shard().on_link_closed(self->id_, self->graceful_);
  delete self;
}

}  // namespace edgemq::net
