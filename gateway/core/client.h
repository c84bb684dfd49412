// One connected client: the packets it sends after CONNECT, checked against
// the protocol and turned into shard operations. Held by its Link, created
// and destroyed by its shard; its session outlives it when the session is
// persistent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/core/auth.h"
#include "gateway/core/link.h"
#include "gateway/core/ordered_acks.h"
#include "gateway/core/session.h"
#include "gateway/core/stats.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::core {

class Shard;

// What a 5.0 connection negotiated in CONNECT and the per-connection state
// 5.0 adds. Only 5.0 clients have one, so a 3.1.1 connection pays a pointer.
struct V5State {
  // The client's limits on what the gateway sends it [MQTT-3.1.2.11].
  uint16_t receive_maximum = 65535;  // QoS 1/2 PUBLISHes unacknowledged at once
  uint32_t maximum_packet_size = 0;  // 0: only the protocol's limit
  uint16_t topic_alias_maximum = 0;  // aliases the gateway uses towards it: min(client's, ours)
  bool problem_info = true;          // reason strings and user properties on acks
  bool session_expiry_was_zero = false;  // then DISCONNECT may not set one [MQTT-3.14.2-2]
  bool will_on_close = false;  // DISCONNECT 0x04: publish the will all the same
  // Enhanced authentication: the CONNECT's method, and a re-authentication
  // under way [MQTT-4.12.1].
  std::string auth_method;
  std::unique_ptr<AuthExchange> reauth;
  // QoS 1/2 PUBLISHes received and not yet answered with PUBACK / PUBCOMP:
  // bounded by the gateway's receive maximum [MQTT-3.3.4-9].
  uint32_t unacknowledged_in = 0;
  // Topic aliases the client set, alias - 1 -> topic [MQTT-3.3.2-12];
  // at most Limits::topic_alias_maximum entries.
  std::vector<std::string> aliases_in;
  // Topics the gateway gave an alias to this connection, at most
  // topic_alias_maximum; a topic seen after they are used up goes in full.
  std::unordered_map<std::string, uint16_t> aliases_out;
};

// What only some clients have, behind one pointer: an idle 3.1.1 connection
// without a will pays 8 bytes for all of it.
struct ClientExtras {
  std::unique_ptr<mqtt::Will> will;
  std::unique_ptr<V5State> v5;  // 5.0 clients only
  // As CONNECT gave it (or the certificate's CN), for the admin endpoint. A
  // pointer keeps ClientExtras in glibc's 32-byte class for the 5.0 clients
  // that send none.
  std::unique_ptr<std::string> username;
};

class Client {
 public:
  // `connected_at_ms`: wall clock, for the admin endpoint.
  Client(Link& link, Session& session, std::optional<mqtt::Will> will, mqtt::ProtocolLevel level,
         std::optional<std::string> username = std::nullopt, uint64_t connected_at_ms = 0)
      : link_(link), session_(&session), connected_at_s_(static_cast<uint32_t>(connected_at_ms / 1000)) {
    const bool named = username && !username->empty();
    if (!will && level != mqtt::ProtocolLevel::V5 && !named) return;
    extras_ = std::make_unique<ClientExtras>();
    if (will) extras_->will = std::make_unique<mqtt::Will>(std::move(*will));
    if (level == mqtt::ProtocolLevel::V5) extras_->v5 = std::make_unique<V5State>();
    if (named) extras_->username = std::make_unique<std::string>(std::move(*username));
  }

  // Returns reason::kSuccess, or the reason code of a packet the client must
  // not send [MQTT-4.8.0-1, 4.13]: the caller then closes the connection,
  // with a DISCONNECT carrying that reason for a 5.0 client.
  uint8_t handle(Shard& shard, mqtt::Packet&& packet);

  Link& link() { return link_; }
  Session* session() { return session_; }
  // Unbinds from the session (takeover or session end).
  void detach() { session_ = nullptr; }
  // The will, if the client has one (and has not spent or dropped it).
  const mqtt::Will* will() const { return extras_ ? extras_->will.get() : nullptr; }
  std::unique_ptr<mqtt::Will> take_will() { return extras_ ? std::move(extras_->will) : nullptr; }
  OrderedAcks& acks() { return acks_; }
  const OrderedAcks& acks() const { return acks_; }
  // Empty when CONNECT had none.
  std::string_view username() const {
    return extras_ && extras_->username ? std::string_view(*extras_->username) : std::string_view();
  }
  // Wall clock, to the second.
  uint64_t connected_at_ms() const { return uint64_t{connected_at_s_} * 1000; }
  // Why the connection is ending, when something other than the client
  // decided it (counted by Shard::on_link_closed); the first cause wins.
  void set_close_reason(DisconnectReason r) {
    if (close_reason_ == DisconnectReason::None) close_reason_ = r;
  }
  DisconnectReason close_reason() const { return close_reason_; }

  bool v5() const { return v5_state() != nullptr; }
  // Null for 3.1.1 clients.
  V5State* v5_state() { return extras_ ? extras_->v5.get() : nullptr; }
  const V5State* v5_state() const { return extras_ ? extras_->v5.get() : nullptr; }
  // Whether the will goes out when the connection ends: always on a broken
  // connection; after DISCONNECT only when its reason asked for it.
  bool will_on_graceful_close() const { return v5() && v5_state()->will_on_close; }
  void set_will_on_close() {
    if (V5State* st = v5_state()) st->will_on_close = true;
  }

  // Sends one application message as a PUBLISH, shaped for this client: for
  // 5.0 with the publisher's properties, the remaining expiry interval and a
  // topic alias where one is free. Returns false, sending nothing, when the
  // packet would exceed the client's maximum packet size [MQTT-3.1.2-25].
  // `extras` may add subscription identifiers.
  bool send_message(const Message& m, uint8_t qos, uint16_t packet_id, bool dup, bool retain,
                    uint64_t now_wall_ms, const DeliveryExtras* extras = nullptr);

 private:
  bool send_checked(const V5State& v5, const mqtt::PublishView& view);

  Link& link_;
  Session* session_;
  std::unique_ptr<ClientExtras> extras_;
  OrderedAcks acks_;
  // 8 bytes more per connected client (its allocation goes from glibc's
  // 48-byte class to the 64-byte one): operators ask "since when" and "why
  // did it go" first. Seconds since the epoch fit 32 bits until 2106.
  uint32_t connected_at_s_;
  DisconnectReason close_reason_ = DisconnectReason::None;
};

}  // namespace edgemq::core
