// One connected client: the packets it sends after CONNECT, checked against
// the protocol and turned into shard operations. Held by its Link, created
// and destroyed by its shard; its session outlives it when the session is
// persistent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "gateway/core/link.h"
#include "gateway/core/ordered_acks.h"
#include "gateway/core/session.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::core {

class Shard;

class Client {
 public:
  Client(Link& link, Session& session, std::optional<mqtt::Will> will)
      : link_(link), session_(&session), will_(will ? std::make_unique<mqtt::Will>(std::move(*will)) : nullptr) {}

  // Returns false for a packet a client must not send [MQTT-4.8.0-1].
  bool handle(Shard& shard, mqtt::Packet&& packet);

  Link& link() { return link_; }
  Session* session() { return session_; }
  // Unbinds from the session (takeover or session end).
  void detach() { session_ = nullptr; }
  std::unique_ptr<mqtt::Will>& will() { return will_; }
  OrderedAcks& acks() { return acks_; }

 private:
  Link& link_;
  Session* session_;
  std::unique_ptr<mqtt::Will> will_;  // a pointer: most clients have none, and it is ~70 bytes
  OrderedAcks acks_;
};

}  // namespace edgemq::core
