// MQTT over WebSocket [MQTT-6.0.0] on one connection: the opening handshake,
// then the WebSocket stream. A Connection from a WebSocket listener runs the
// bytes it reads through this before the MQTT codec, and the MQTT bytes it
// sends through it before the socket. Pure byte work: no libuv here.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "protocols/ws/handshake.h"
#include "protocols/ws/ws_stream.h"

namespace edgemq::net {

struct WsOptions {
  std::vector<std::string> paths{"/mqtt"};
  std::vector<std::string> allowed_origins;  // empty: any
  size_t max_message_bytes = 1024 * 1024;    // one reassembled message from the client
};

class WsTransport {
 public:
  explicit WsTransport(const WsOptions& options);

  // Bytes from the socket. MQTT bytes are appended to `app`, bytes for the
  // socket (the handshake's response, pongs, close frames) to `wire`. False
  // once the connection should end after `wire` is written: a refused
  // handshake, a completed close handshake, a broken WebSocket rule.
  bool on_read(std::span<const uint8_t> in, std::string& app, std::string& wire);

  // MQTT bytes not framed yet; the Connection encodes a packet into it.
  std::string& pending() { return pending_; }
  const std::string& pending() const { return pending_; }
  // Frames what is pending as one binary message into `wire`.
  void frame(std::string& wire);
  // Starts the close handshake with `code` (1000 normal, 1001 going away).
  void close(uint16_t code, std::string& wire);

  bool upgraded() const { return stream_ != nullptr; }
  // Bytes of a message begun and not ended (ws::WsStream::partial_message_bytes).
  size_t partial_bytes() const { return stream_ ? stream_->partial_message_bytes() : 0; }
  // Our close frame is out and the client's has not come back yet.
  bool awaiting_close() const { return stream_ && stream_->awaiting_close(); }

 private:
  size_t max_message_bytes_;
  std::unique_ptr<ws::HandshakeParser> handshake_;  // until the upgrade
  size_t handshake_fed_ = 0;                        // bytes it has taken so far
  std::unique_ptr<ws::WsStream> stream_;            // after it
  std::string pending_;
};

}  // namespace edgemq::net
