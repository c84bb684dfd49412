// What edgemq-bench puts between a client's socket and its MQTT bytes when
// the benchmark runs over TLS, WebSocket or both: the client side of the
// gateway's transports, so the cost of each can be measured like TCP's.
// Pure byte work (OpenSSL through memory BIOs; WebSocket framing by hand,
// as a client needs only the simple half: mask outgoing frames, read the
// server's unmasked ones).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tests/bench/options.h"

struct ssl_st;
struct ssl_ctx_st;

namespace edgemq::bench {

// One client TLS context per load process; `ca_file` empty: the server's
// certificate is not verified (a benchmark measures cost, not trust).
std::shared_ptr<ssl_ctx_st> make_client_tls(const std::string& ca_file, std::string& error);

class ClientTransport {
 public:
  // `tls` for Tls/Wss; `host` names the server (SNI, Host header), `path` the
  // WebSocket resource.
  ClientTransport(Transport kind, ssl_ctx_st* tls, const std::string& host, const std::string& path);
  ~ClientTransport();
  ClientTransport(const ClientTransport&) = delete;
  ClientTransport& operator=(const ClientTransport&) = delete;

  // The first bytes for the socket once TCP is up (ClientHello, upgrade request).
  void start(std::string& wire);
  // Bytes from the socket: MQTT bytes to `app`, replies to `wire`. False on a
  // broken stream (`error` says why).
  bool on_read(std::span<const uint8_t> in, std::string& app, std::string& wire);
  // MQTT may flow: handshakes done.
  bool ready() const { return ready_; }
  // MQTT bytes out: one masked binary frame (WebSocket), encrypted (TLS).
  void send(std::string_view app, std::string& wire);
  const std::string& error() const { return error_; }

 private:
  bool tls_read(std::span<const uint8_t> in, std::string& plain, std::string& wire);
  void tls_write(std::string_view plain, std::string& wire);
  bool ws_read(std::string_view in, std::string& app, std::string& wire);
  void upgrade_request(std::string& out) const;
  void frame(uint8_t opcode, std::string_view payload, std::string& out);

  Transport kind_;
  ssl_st* ssl_ = nullptr;
  std::string host_, path_;
  bool upgraded_ = false;  // WebSocket: the 101 has come
  bool ready_ = false;
  std::string ws_in_;  // WebSocket bytes not yet a whole frame (or the response)
  std::string ws_message_;  // a fragmented message so far
  uint32_t mask_state_ = 0x9e3779b9;
  std::string error_;
};

}  // namespace edgemq::bench
