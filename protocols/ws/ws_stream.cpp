// wslay's event API normally reads and writes a socket through callbacks;
// here the callbacks read the span given to on_wire and append to strings,
// so the stream runs inside the gateway's reactor without a socket of its own.
#include "protocols/ws/ws_stream.h"

#include <wslay/wslay.h>

#include <algorithm>
#include <cstring>

namespace edgemq::ws {

struct WsCallbacks {
  static WsStream& of(void* user_data) { return *static_cast<WsStream*>(user_data); }

  static ssize_t recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user_data) {
    WsStream& s = of(user_data);
    // wslay asks at a frame boundary for at least 4096 - 8 bytes (its buffer
    // less an unfinished header), more than any control frame: nothing is
    // handed over only when a control frame has not fully arrived.
    const size_t n = s.fence_.take(s.input_, len);
    if (n == 0) {
      wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);  // wait for the next read
      return -1;
    }
    std::memcpy(buf, s.input_.data(), n);
    s.input_ = s.input_.subspan(n);
    s.partial_bytes_ += n;
    return static_cast<ssize_t>(n);
  }

  static ssize_t send(wslay_event_context_ptr, const uint8_t* data, size_t len, int, void* user_data) {
    of(user_data).wire_->append(reinterpret_cast<const char*>(data), len);
    return static_cast<ssize_t>(len);
  }

  static void on_message(wslay_event_context_ptr ctx, const wslay_event_on_msg_recv_arg* arg, void* user_data) {
    WsStream& s = of(user_data);
    // A data message is whole: wslay lets go of it (a ping may come
    // between the fragments of one, which stays held).
    if ((arg->opcode & 0x8) == 0) s.partial_bytes_ = 0;
    // Once a close is decided, what follows in the same read is not data:
    // the outcome must not depend on where the reads happened to end.
    if (s.close_code_ != 0) return;
    if (arg->opcode == WSLAY_BINARY_FRAME) {
      s.app_->append(reinterpret_cast<const char*>(arg->msg), arg->msg_length);
    } else if (arg->opcode == WSLAY_TEXT_FRAME) {
      // MQTT travels in binary frames only [MQTT-6.0.0-1].
      static constexpr char kWhy[] = "MQTT needs binary frames";
      wslay_event_queue_close(ctx, kCloseUnsupportedData, reinterpret_cast<const uint8_t*>(kWhy), sizeof kWhy - 1);
      s.close_code_ = kCloseUnsupportedData;
    } else if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
      s.close_code_ = arg->status_code != 0 ? arg->status_code : kCloseNormal;
    }
    // Pings are answered by wslay itself; pongs need nothing.
  }
};

WsStream::WsStream(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

WsStream::~WsStream() {
  if (ctx_ != nullptr) wslay_event_context_free(ctx_);
}

bool WsStream::unpark() {
  if (ctx_ != nullptr) return true;
  if (broken_) return false;
  wslay_event_callbacks callbacks{WsCallbacks::recv, WsCallbacks::send, nullptr, nullptr, nullptr, nullptr,
                                  WsCallbacks::on_message};
  // Out of memory: the stream then refuses everything (no exception, as
  // this runs inside libuv's callbacks).
  if (wslay_event_context_server_init(&ctx_, &callbacks, this) != 0) {
    ctx_ = nullptr;
    broken_ = true;
    return false;
  }
  wslay_event_config_set_max_recv_msg_length(ctx_, max_message_bytes_);
  return true;
}

void WsStream::park_if_idle() {
  if (ctx_ == nullptr || !held_.empty() || !fence_.at_message_boundary() || close_code_ != 0 ||
      !wslay_event_want_read(ctx_) || wslay_event_want_write(ctx_) || wslay_event_get_close_sent(ctx_) ||
      wslay_event_get_close_received(ctx_)) {
    return;
  }
  wslay_event_context_free(ctx_);
  ctx_ = nullptr;
}

void WsStream::flush(std::string& wire) {
  wire_ = &wire;
  if (wslay_event_want_write(ctx_)) (void)wslay_event_send(ctx_);  // never blocks: send appends all
  wire_ = nullptr;
}

bool WsStream::on_wire(std::span<const uint8_t> in, std::string& app, std::string& wire) {
  if (!unpark()) return false;
  // A control frame held back from the last read goes first, with this one.
  const bool joined = !held_.empty();
  if (joined) held_.append(reinterpret_cast<const char*>(in.data()), in.size());
  input_ = joined ? std::span(reinterpret_cast<const uint8_t*>(held_.data()), held_.size()) : in;
  app_ = &app;
  const int rc = wslay_event_recv(ctx_);
  const std::span<const uint8_t> rest = input_;
  input_ = {};
  app_ = nullptr;
  if (!wslay_event_get_read_enabled(ctx_)) {
    held_.clear();  // the stream has ended: what is left will never be read
  } else if (joined) {
    held_.erase(0, held_.size() - rest.size());
  } else {
    held_.assign(reinterpret_cast<const char*>(rest.data()), rest.size());
  }
  // A broken rule (an unmasked frame, a bad opcode, a message too large) has
  // made wslay queue a close frame with the reason; it goes out below.
  flush(wire);
  if (rc != 0) return false;
  if (wslay_event_get_close_sent(ctx_) && close_code_ == 0) {
    close_code_ = wslay_event_get_status_code_sent(ctx_);
  }
  // Done once a close frame has passed either way: the MQTT connection ends
  // with it, so there is no point in waiting for the peer's reply.
  const bool open =
      wslay_event_want_read(ctx_) && !wslay_event_get_close_received(ctx_) && !wslay_event_get_close_sent(ctx_);
  if (open) park_if_idle();
  if (fence_.at_message_boundary()) partial_bytes_ = 0;
  return open;
}

void WsStream::send(std::string_view app, std::string& wire) {
  // Parked means open: no close has passed.
  if (broken_ || (ctx_ != nullptr && wslay_event_get_close_sent(ctx_)) || app.empty()) return;
  // A server's frames are not masked [RFC 6455 5.1]: the header is all there
  // is to write, so the payload is not copied through wslay's queue.
  wire.push_back(static_cast<char>(0x80 | WSLAY_BINARY_FRAME));  // FIN, binary
  const uint64_t n = app.size();
  if (n < 126) {
    wire.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    wire.push_back(static_cast<char>(126));
    wire.push_back(static_cast<char>(n >> 8));
    wire.push_back(static_cast<char>(n & 0xFF));
  } else {
    wire.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) wire.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  wire.append(app);
}

bool WsStream::awaiting_close() const {
  return ctx_ != nullptr && wslay_event_get_close_sent(ctx_) && !wslay_event_get_close_received(ctx_);
}

void WsStream::close(uint16_t code, std::string_view reason, std::string& wire) {
  if (!unpark()) return;
  if (!wslay_event_get_close_sent(ctx_)) {
    wslay_event_queue_close(ctx_, code, reinterpret_cast<const uint8_t*>(reason.data()), reason.size());
    if (close_code_ == 0) close_code_ = code;
  }
  flush(wire);
}

}  // namespace edgemq::ws
