// The server side of the WebSocket opening handshake [RFC 6455 4.2] for MQTT
// over WebSocket [MQTT-6.0.0]: an HTTP/1.1 upgrade request in, the response
// to send out. Pure: bytes in, bytes out, no sockets. The request is parsed
// by llhttp (Node's HTTP parser, as Debian ships it), incrementally, so a
// request split over many reads gives the same answer as one read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgemq::ws {

struct HandshakePolicy {
  // Request paths that lead to MQTT (the part before any '?').
  std::vector<std::string> paths{"/mqtt"};
  // Browser origins allowed; empty: any. A request without Origin (not a
  // browser) is always allowed: the header is a browser's promise, nothing more.
  std::vector<std::string> allowed_origins;
  // The whole request, headers included; a larger one is refused with 431.
  size_t max_request_bytes = 8192;
};

struct HandshakeResult {
  enum class Status : uint8_t { NeedMore, Accepted, Refused };
  Status status = Status::NeedMore;
  size_t consumed = 0;       // bytes of the request, once Accepted or Refused
  std::string response;      // the HTTP response to write (101, or the refusal)
  std::string subprotocol;   // "mqtt", "mqttv3.1", or empty when none was offered
  std::string error;         // why it was refused, for the log
};

class HandshakeParser {
 public:
  explicit HandshakeParser(HandshakePolicy policy);
  ~HandshakeParser();
  HandshakeParser(const HandshakeParser&) = delete;
  HandshakeParser& operator=(const HandshakeParser&) = delete;

  // Offers the next bytes of the connection. NeedMore: all of `in` was taken,
  // give more. Accepted or Refused: the request ended `consumed` bytes into
  // everything fed so far (what follows belongs to the WebSocket stream), and
  // every later call returns the same result.
  HandshakeResult feed(std::span<const uint8_t> in);

  struct State;  // handshake.cpp: llhttp's parser and what its callbacks collect

 private:
  std::unique_ptr<State> s_;
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key [RFC 6455 4.2.2]:
// base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view client_key);

}  // namespace edgemq::ws
