#include "tests/bench/load_client.h"

#include <netinet/in.h>

#include "protocols/mqtt/codec.h"
#include "tests/bench/load_worker.h"
#include "tests/bench/packet_view.h"
#include "tests/bench/stamp.h"

namespace edgemq::bench {
namespace {

constexpr uint32_t kBatch = 16;               // messages per write when publishing without a rate
constexpr size_t kMaxQueuedBytes = 4 << 20;   // publishing pauses above this much unsent data
constexpr size_t kMaxSpill = 16 << 20;        // a partial packet larger than this is an error
constexpr size_t kMaxHeldAcks = 65535;        // --ack-rate: more unacknowledged than packet ids is a broker bug

void append_varint(std::string& out, size_t n) {
  do {
    auto byte = static_cast<uint8_t>(n & 0x7f);
    n >>= 7;
    if (n != 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n != 0);
}

}  // namespace

struct LoadClient::WriteRequest {
  uv_write_t req{};
  std::string data;
  LoadClient* client = nullptr;
};

LoadClient::LoadClient(LoadWorker& worker, Role role, uint32_t index, std::string client_id, std::string target)
    : worker_(worker), role_(role), index_(index), client_id_(std::move(client_id)), target_(std::move(target)) {
  tcp_.data = this;
  connect_req_.data = this;
  if (role_ == Role::Subscriber) tracker_ = std::make_unique<StreamTracker>();
  const Options& o = worker_.options();
  if (o.transport != Transport::Tcp) {
    transport_ = std::make_unique<ClientTransport>(o.transport, worker_.tls(), o.host, o.ws_path);
  }
}

void LoadClient::start(const sockaddr* target_addr, const sockaddr* source) {
  state_ = State::Connecting;
  int rc = 0;
  if (source != nullptr) {
    // Bound to a source address, the kernel would pick the port at bind()
    // time by scanning every port in use: thousands of connections slow to a
    // crawl. IP_BIND_ADDRESS_NO_PORT defers the choice to connect(), which
    // only needs the 4-tuple to be unique.
    uv_tcp_init_ex(worker_.loop(), &tcp_, source->sa_family);
    uv_os_fd_t fd = -1;
    const int one = 1;
    if (source->sa_family == AF_INET && uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0) {
      setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    }
    rc = uv_tcp_bind(&tcp_, source, 0);
  } else {
    uv_tcp_init(worker_.loop(), &tcp_);
  }
  if (rc == 0) rc = uv_tcp_connect(&connect_req_, &tcp_, target_addr, on_connect);
  if (rc != 0) {
    worker_.note_error(uv_strerror(rc));
    state_ = State::Failed;
    worker_.on_client_settled(*this);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
  }
}

void LoadClient::on_connect(uv_connect_t* req, int status) noexcept {
  auto* self = static_cast<LoadClient*>(req->data);
  if (self->state_ != State::Connecting) return;  // given up meanwhile
  if (status != 0) {
    self->worker_.note_error(uv_strerror(status));
    self->fail();
    return;
  }
  uv_tcp_nodelay(&self->tcp_, 1);
  self->state_ = State::Handshake;
  mqtt::Connect connect;
  connect.client_id = self->client_id_;
  connect.keep_alive = self->worker_.options().keepalive_s;
  connect.clean_session = !(self->role_ == Role::Subscriber && self->worker_.options().persistent);
  mqtt::encode(connect, self->out_);
  if (self->transport_) {
    // The TLS ClientHello or the upgrade request first; CONNECT waits in out_.
    std::string wire;
    self->transport_->start(wire);
    self->write_raw(std::move(wire));
  }
  self->flush();
  uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), on_alloc, on_read);
}

void LoadClient::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<LoadClient*>(handle->data);
  auto [data, size] = self->worker_.read_buffer();
  *buf = uv_buf_init(data, static_cast<unsigned>(size));
}

void LoadClient::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = static_cast<LoadClient*>(stream->data);
  if (nread < 0) {
    self->on_lost();
    return;
  }
  if (nread == 0) return;
  self->handle_bytes(buf->base, static_cast<size_t>(nread));
}

void LoadClient::handle_bytes(const char* data, size_t len) {
  if (!transport_) {
    handle_mqtt(data, len);
    return;
  }
  std::string app, wire;
  const bool ok = transport_->on_read({reinterpret_cast<const uint8_t*>(data), len}, app, wire);
  write_raw(std::move(wire));
  if (!ok) {
    worker_.note_error(transport_->error());
    on_lost();
    return;
  }
  if (!app.empty()) {
    handle_mqtt(app.data(), app.size());
  } else {
    flush();  // the handshakes may just have finished: CONNECT goes now
  }
}

void LoadClient::handle_mqtt(const char* data, size_t len) {
  std::string_view in(data, len);
  if (!spill_.empty()) {
    spill_.append(data, len);
    in = spill_;
  }
  size_t offset = 0;
  while (offset < in.size()) {
    PacketView packet;
    size_t consumed = 0;
    const FrameStatus status = read_packet(in.substr(offset), packet, consumed);
    if (status == FrameStatus::NeedMore) break;
    if (status == FrameStatus::Malformed || !handle_packet(packet)) {
      worker_.note_error("malformed or refused packet from the broker");
      on_lost();
      return;
    }
    offset += consumed;
  }
  std::string rest(in.substr(offset));
  spill_ = std::move(rest);
  if (spill_.size() > kMaxSpill) {
    on_lost();
    return;
  }
  if (role_ == Role::Publisher && worker_.publishing_unlimited()) pump();
  flush();
}

bool LoadClient::handle_packet(const PacketView& p) {
  switch (p.type) {
    case mqtt::PacketType::Connack:
      if (state_ != State::Handshake || p.second_body_byte != 0) return false;
      if (role_ == Role::Subscriber) {
        mqtt::Subscribe subscribe;
        subscribe.packet_id = 1;
        subscribe.subscriptions.push_back({target_, worker_.options().sub_qos});
        mqtt::encode(subscribe, out_);
        state_ = State::Subscribing;
      } else {
        on_ready();
      }
      return true;
    case mqtt::PacketType::Suback:
      if (state_ != State::Subscribing || p.first_body_byte > 2) return false;
      on_ready();
      return true;
    case mqtt::PacketType::Publish: {
      const auto stamp = read_stamp(p.payload);
      if (stamp && tracker_) {
        tracker_->on_message(stamp->publisher, stamp->seq);
        worker_.on_received(stamp->sent_ns);
      } else {
        worker_.on_received(0);
      }
      if (p.qos > 0 && worker_.options().ack_rate > 0) {
        if (held_acks_.size() >= kMaxHeldAcks) return false;
        held_acks_.emplace_back(p.qos, p.packet_id);
        return true;
      }
      if (p.qos == 1) mqtt::encode(mqtt::Puback{p.packet_id}, out_);
      if (p.qos == 2) mqtt::encode(mqtt::Pubrec{p.packet_id}, out_);
      return true;
    }
    case mqtt::PacketType::Pubrel:
      mqtt::encode(mqtt::Pubcomp{p.packet_id}, out_);
      return true;
    case mqtt::PacketType::Pubrec:
      mqtt::encode(mqtt::Pubrel{p.packet_id}, out_);
      return true;
    case mqtt::PacketType::Puback:
    case mqtt::PacketType::Pubcomp:
      if (inflight_ > 0) --inflight_;
      if (sent_at_.empty()) {
        worker_.on_acked(0);
      } else {
        worker_.on_acked(sent_at_.front());
        sent_at_.pop_front();
      }
      return true;
    default:
      return true;  // PINGRESP, UNSUBACK: nothing to do
  }
}

void LoadClient::on_ready() {
  state_ = State::Ready;
  worker_.on_client_settled(*this);
}

uint32_t LoadClient::publish(uint32_t count) {
  if (state_ != State::Ready || role_ != Role::Publisher) return 0;
  if (uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&tcp_)) > kMaxQueuedBytes) return 0;
  const uint8_t qos = worker_.options().qos;
  if (qos > 0) count = std::min(count, worker_.options().inflight - inflight_);
  for (uint32_t i = 0; i < count; ++i) append_publish();
  flush();
  return count;
}

void LoadClient::pump() {
  if (state_ != State::Ready) return;
  if (worker_.options().qos == 0) {
    if (pending_writes_ < 2) publish(kBatch);
  } else {
    publish(worker_.options().inflight);
  }
}

void LoadClient::append_publish() {
  const Options& o = worker_.options();
  uint16_t id = 0;
  if (o.qos > 0) {
    id = next_packet_id_++;
    if (next_packet_id_ == 0) next_packet_id_ = 1;
    ++inflight_;
    sent_at_.push_back(worker_.now_ns());
  }
  const size_t remaining = 2 + target_.size() + (o.qos > 0 ? 2 : 0) + o.payload_size;
  out_.push_back(static_cast<char>(0x30 | (o.qos << 1)));
  append_varint(out_, remaining);
  out_.push_back(static_cast<char>(target_.size() >> 8));
  out_.push_back(static_cast<char>(target_.size() & 0xff));
  out_ += target_;
  if (o.qos > 0) {
    out_.push_back(static_cast<char>(id >> 8));
    out_.push_back(static_cast<char>(id & 0xff));
  }
  const size_t at = out_.size();
  out_.resize(at + o.payload_size, 'x');
  write_stamp(Stamp{worker_.now_ns(), index_, static_cast<uint32_t>(sent_)}, out_.data() + at);
  ++sent_;
  worker_.on_sent();
}

void LoadClient::release_acks(uint64_t now) {
  if (held_acks_.empty() || state_ != State::Ready) return;
  if (acks_started_ns_ == 0) acks_started_ns_ = now;
  // Acknowledgements are due at ack_rate from the first one held on.
  const double elapsed = static_cast<double>(now - acks_started_ns_) / 1e9;
  const auto due = static_cast<uint64_t>(elapsed * worker_.options().ack_rate) + 1;
  while (acks_released_ < due && !held_acks_.empty()) {
    const auto [qos, id] = held_acks_.front();
    held_acks_.pop_front();
    if (qos == 1) mqtt::encode(mqtt::Puback{id}, out_);
    if (qos == 2) mqtt::encode(mqtt::Pubrec{id}, out_);
    ++acks_released_;
  }
  flush();
}

void LoadClient::ping() {
  if (state_ != State::Ready) return;
  mqtt::encode(mqtt::Pingreq{}, out_);
  flush();
}

void LoadClient::flush() {
  if (out_.empty() || state_ == State::Closed || state_ == State::Failed) return;
  if (!transport_) {
    write_raw(std::move(out_));
    out_.clear();
    return;
  }
  if (!transport_->ready()) return;
  std::string wire;
  transport_->send(out_, wire);
  out_.clear();
  write_raw(std::move(wire));
}

void LoadClient::write_raw(std::string data) {
  if (data.empty() || state_ == State::Closed || state_ == State::Failed) return;
  auto* w = new WriteRequest;
  w->data = std::move(data);
  w->client = this;
  w->req.data = w;
  const uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  ++pending_writes_;
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, on_write) != 0) {
    --pending_writes_;
    delete w;
    on_lost();
  }
}

void LoadClient::on_write(uv_write_t* req, int status) noexcept {
  auto* w = static_cast<WriteRequest*>(req->data);
  LoadClient* self = w->client;
  delete w;
  --self->pending_writes_;
  if (status != 0) {
    self->on_lost();
    return;
  }
  if (self->role_ == Role::Publisher && self->worker_.publishing_unlimited() && self->worker_.options().qos == 0) {
    self->pump();
  }
}

void LoadClient::on_lost() {
  if (state_ == State::Closed || state_ == State::Failed) return;
  const bool was_ready = state_ == State::Ready;
  state_ = was_ready ? State::Closed : State::Failed;
  if (was_ready) {
    worker_.on_client_dropped(*this);
  } else {
    worker_.on_client_settled(*this);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
}

void LoadClient::fail() {
  if (state_ == State::Waiting) {
    state_ = State::Failed;
    worker_.on_client_settled(*this);
    return;
  }
  if (state_ == State::Ready) return;
  on_lost();
}

void LoadClient::close() {
  if (state_ == State::Waiting || state_ == State::Closed || state_ == State::Failed) return;
  state_ = State::Closed;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
}

void LoadClient::on_close(uv_handle_t* handle) noexcept {
  auto* self = static_cast<LoadClient*>(handle->data);
  self->worker_.on_client_closed();
}

}  // namespace edgemq::bench
