// One network connection as the core sees it. The net layer implements it
// (TCP now; TLS and WebSocket later) so the core stays free of sockets and of
// libuv and can be driven by tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "gateway/core/message.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::core {

class Client;

class Link {
 public:
  Link();
  virtual ~Link();
  // Queues a packet, encoded for the link's protocol version (the one its
  // CONNECT named); the transport coalesces what is queued in one loop turn.
  virtual void send(const mqtt::Packet& p) = 0;
  // Queues a PUBLISH of a shared message without copying it into a Packet first.
  virtual void send_publish(const mqtt::PublishView& p) = 0;
  // Bytes queued and not yet written: the subscriber's outbound budget.
  virtual size_t queued_bytes() const = 0;
  // Writes what is queued, then closes. The owner's close notification comes
  // later, never from inside this call.
  virtual void close() = 0;
  // Closed or closing: what it is sent now is dropped.
  virtual bool closing() const { return false; }
  virtual uint64_t id() const = 0;
  // What the admin endpoint shows of the connection: the peer's address,
  // the listener it came through and the keep-alive in force. Built on
  // request, so an idle connection stores none of it.
  struct Info {
    std::string peer;       // "ip:port", "[v6]:port"
    std::string listener;   // "mqtt", "ws", "mqtts", "wss"
    uint16_t keep_alive_s = 0;
  };
  virtual Info info() const { return {}; }

 private:
  friend class Shard;
  // The MQTT client on this link once its CONNECT is accepted. It lives here,
  // not in a map of the shard's, so that a connection costs one map entry
  // (Shard's links by id) instead of two.
  std::unique_ptr<Client> client_;
};

}  // namespace edgemq::core
