// The MQTT session of one client id: what outlives a connection when the
// client asked for a persistent session (clean session = 0) [MQTT-3.1.2-4].
// It is plain state, owned by the client id's home shard and touched only on
// that shard's thread; the flows that change it are in shard_delivery.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/ack_gate.h"
#include "gateway/core/lazy_deque.h"
#include "gateway/core/lazy_map.h"
#include "gateway/core/message.h"
#include "storage/store.h"

namespace edgemq::core {

class Client;

// One QoS 1/2 message owed to this session.
struct Outgoing {
  MessagePtr msg;
  uint8_t qos = 1;          // granted: min(subscription, publish)
  uint64_t seq = 0;         // its queue record in the store; 0 when not stored
  uint16_t packet_id = 0;   // assigned when first sent
  storage::DeliveryState state = storage::DeliveryState::Pending;
  bool retain = false;      // the PUBLISH's RETAIN flag: set only for retained-on-subscribe
};

// A QoS 2 packet id received from the client and not yet released by PUBREL.
// A resend of it is acknowledged, never routed again [MQTT-4.3.3-2] — but only
// once the first copy is durable: its PUBREC waits in `waiting` until then,
// even on a new connection after a takeover.
struct InboundQos2 {
  bool durable = false;
  uint64_t commit = 0;  // which commit makes it durable (Shard::next_commit_)
  std::vector<std::pair<uint64_t, uint64_t>> waiting;  // (link id, ack token) of resends
};

// Present from when an online session's queue reaches max_queued_messages
// until it is empty: publishers are gated meanwhile, and the acknowledgements
// of messages taken past the limit wait here until it is down to half.
struct Congestion {
  uint64_t progress_ms = 0;  // when the queue last moved (or congestion began)
  bool stuck = false;  // did not move within ack_hold_timeout: drops, holds nothing
  std::vector<AckGatePtr> held;
};

class Session {
 public:
  Session(std::string client_id, bool persistent)
      : client_id_(std::move(client_id)), persistent_(persistent) {}

  const std::string& client_id() const { return client_id_; }
  bool persistent() const { return persistent_; }

  // A packet id not used by any message in flight [MQTT-2.3.1-2].
  uint16_t next_packet_id();
  Outgoing* find_inflight(uint16_t packet_id);
  void erase_inflight(uint16_t packet_id);

  LazyMap<std::string, uint8_t> subscriptions;  // filter -> granted QoS
  LazyDeque<Outgoing> inflight;  // sent, unacknowledged; in send order
  LazyDeque<Outgoing> queue;     // waiting for the inflight window
  LazyMap<uint16_t, InboundQos2> inbound_qos2;  // QoS 2 ids received, PUBREL not yet seen
  Client* client = nullptr;         // the connection bound to it now, if any
  std::unique_ptr<Congestion> congestion;  // a pointer: rare, and idle sessions stay small

 private:
  std::string client_id_;
  bool persistent_;
  uint16_t last_packet_id_ = 0;
};

}  // namespace edgemq::core
