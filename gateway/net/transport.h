// What lies between a Connection's socket and its MQTT codec when the
// listener was not plain TCP: TLS (MQTTS), WebSocket (WS), or WebSocket in
// TLS (WSS). Bytes read go up through TLS then WebSocket; MQTT packets go
// down through WebSocket (one message each) then TLS. Pure byte work.
//
// The worker keeps these by connection id, so a plain TCP Connection pays
// one bit for the possibility (see docs/architecture.md).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "gateway/net/tls_session.h"
#include "gateway/net/ws_transport.h"

namespace edgemq::net {

class Transport {
 public:
  Transport(std::unique_ptr<TlsSession> tls, std::unique_ptr<WsTransport> ws);

  // Bytes from the socket. MQTT bytes are appended to `app`, bytes for the
  // socket to `wire`. False once the connection should end after `wire` is
  // written (see why()).
  bool on_read(std::span<const uint8_t> in, std::string& app, std::string& wire);

  // Where the Connection encodes an MQTT packet.
  std::string& pending() { return ws_ ? ws_->pending() : plain_; }
  // After each packet: a WebSocket frames it as one message.
  void end_packet(std::string& wire);
  // Before the socket is written: everything pending, encrypted for TLS.
  void seal(std::string& wire);
  // The connection is closing: the WebSocket close frame (`ws_code`), then
  // TLS's close_notify, after what is pending.
  void close(uint16_t ws_code, std::string& wire);

  // Bytes that wait here for seal().
  size_t pending_bytes() const;
  // Bytes of a client's WebSocket message begun and not ended, held below
  // the codec (the partial packet budget counts them). TLS holds at most a
  // record and is not counted (partial_packet_budget.h).
  size_t partial_bytes() const { return ws_ ? ws_->partial_bytes() : 0; }
  // Our WebSocket close frame or TLS close_notify is out and the client's
  // has not come back.
  bool awaiting_close() const { return (ws_ && ws_->awaiting_close()) || (tls_ && tls_->awaiting_close()); }
  TlsSession* tls() const { return tls_.get(); }
  bool websocket() const { return ws_ != nullptr; }
  // Why on_read returned false, if TLS says why; empty otherwise.
  std::string why() const { return tls_ ? tls_->failure() : std::string(); }

 private:
  // Where the WebSocket writes: TLS's plaintext, or the socket.
  std::string& below(std::string& wire) { return tls_ ? plain_ : wire; }

  std::unique_ptr<TlsSession> tls_;
  std::unique_ptr<WsTransport> ws_;
  std::string plain_;  // TLS: plaintext not encrypted yet
};

}  // namespace edgemq::net
