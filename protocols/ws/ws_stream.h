// The WebSocket data stream after the handshake [RFC 6455 5], server side, as
// MQTT uses it [MQTT-6.0.0]: binary messages carry the MQTT byte stream
// (packets may span frames and a frame may hold several packets), anything
// else is refused. Pure: bytes from the peer in, MQTT bytes and bytes for the
// peer out; the caller owns the socket. Framing, masking rules, reassembly of
// fragmented messages, ping/pong and the close handshake are wslay's, driven
// through memory instead of a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocols/ws/control_frame_fence.h"

struct wslay_event_context;

namespace edgemq::ws {

// Close codes [RFC 6455 7.4.1].
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kCloseMessageTooBig = 1009;

// wslay's context is about 9 KB (two 4 KiB buffers), most of an idle
// WebSocket connection's cost; between whole messages it holds nothing a
// fresh one would not, so it is freed then and made again on the next bytes
// ("parked"). See docs/benchmarks.md for what that saves.
class WsStream {
 public:
  // `max_message_bytes` bounds one (reassembled) message from the peer; a
  // larger one closes the stream with 1009.
  explicit WsStream(size_t max_message_bytes);
  ~WsStream();
  WsStream(const WsStream&) = delete;
  WsStream& operator=(const WsStream&) = delete;

  // Bytes from the peer. The MQTT bytes of every complete binary message are
  // appended to `app`; what must go back (pong, a close reply or a close for
  // a broken rule) is appended to `wire`. Returns false once the stream has
  // ended: the close handshake is done or the peer broke the protocol; the
  // caller then writes `wire` and closes the socket.
  bool on_wire(std::span<const uint8_t> in, std::string& app, std::string& wire);

  // MQTT bytes for the peer: one unmasked binary frame [RFC 6455 5.1]
  // appended to `wire`. Nothing once a close was sent.
  void send(std::string_view app, std::string& wire);

  // Starts the close handshake (e.g. the server is going away).
  void close(uint16_t code, std::string_view reason, std::string& wire);

  // No wslay context held right now (idle between messages).
  bool parked() const { return ctx_ == nullptr && !broken_; }
  // About how many bytes of the peer's current message wslay holds: those
  // handed to it since the last whole message (up to one 4 KiB read of the
  // next message is missed when one ends mid-read). 0 between messages.
  size_t partial_message_bytes() const { return partial_bytes_; }

  // The close code the peer sent, or the one we closed with; 0 while open.
  uint16_t close_code() const { return close_code_; }
  // We sent a close frame and the peer's has not come yet: the server closes
  // the TCP connection only after it [RFC 6455 7.1.1].
  bool awaiting_close() const;

 private:
  friend struct WsCallbacks;
  void flush(std::string& wire);
  // Makes the wslay context if parked; false if out of memory (then broken).
  bool unpark();
  // Frees the context if nothing in it is needed: no partial frame or
  // message, no close in progress, nothing to send.
  void park_if_idle();

  size_t max_message_bytes_;
  wslay_event_context* ctx_ = nullptr;
  bool broken_ = false;  // out of memory: the stream refuses everything
  std::span<const uint8_t> input_;  // during on_wire: what wslay has not read yet
  size_t partial_bytes_ = 0;  // handed to wslay since the last whole message
  ControlFrameFence fence_;
  // The start of a control frame whose end has not come yet; at most
  // ControlFrameFence::kMaxControlFrame - 1 bytes.
  std::string held_;
  std::string* app_ = nullptr;      // during on_wire
  std::string* wire_ = nullptr;     // during on_wire / flush
  uint16_t close_code_ = 0;
};

}  // namespace edgemq::ws
