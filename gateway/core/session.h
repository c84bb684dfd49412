// The MQTT session of one client id: what outlives a connection when the
// client asked for a persistent session (3.1.1: clean session = 0
// [MQTT-3.1.2-4]; 5.0: a session expiry interval above 0 [MQTT-3.1.2-23]).
// It is plain state, owned by the client id's home shard and touched only on
// that shard's thread; the flows that change it are in shard_delivery.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/ack_gate.h"
#include "gateway/core/backlog.h"
#include "gateway/core/delivery.h"
#include "gateway/core/lazy_deque.h"
#include "gateway/core/lazy_map.h"
#include "gateway/core/message.h"
#include "gateway/core/router.h"
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
  // The PUBLISH's RETAIN flag: set for retained-on-subscribe, and kept as
  // published for a retain-as-published subscription.
  bool retain = false;
  DeliveryExtrasPtr extras{};
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
  uint64_t held_since_ms = 0;  // when the oldest acknowledgement in `held` began to wait
  bool stuck = false;  // held one past ack_hold_timeout: drops past its limit, holds nothing
  std::vector<AckGatePtr> held;
};

// Session expiry interval meaning "never" [MQTT-3.1.2.11.2]; what a 3.1.1
// persistent session gets.
inline constexpr uint32_t kNeverExpires = 0xFFFFFFFF;

class Session {
 public:
  // A session with expiry above 0 is persistent: kept in the store.
  Session(std::string client_id, uint32_t expiry_s)
      : client_id_(std::move(client_id)), persistent_(expiry_s > 0), expiry_s_(expiry_s) {}

  const std::string& client_id() const { return client_id_; }
  // Whether the session has a store record. Fixed for its life: a stored
  // session resumed with expiry 0 keeps its record until it ends.
  bool persistent() const { return persistent_; }
  // Seconds the session outlives its connection; 0: it ends with it.
  uint32_t expiry_s() const { return expiry_s_; }
  // A later CONNECT or a 5.0 DISCONNECT may change it [MQTT-3.14.2-2].
  void set_expiry(uint32_t s) { expiry_s_ = s; }

  // A packet id not used by any message in flight [MQTT-2.3.1-2].
  uint16_t next_packet_id();
  Outgoing* find_inflight(uint16_t packet_id);
  void erase_inflight(uint16_t packet_id);

  LazyMap<std::string, SubscriptionOptions> subscriptions;  // filter -> granted QoS and options
  LazyDeque<Outgoing> inflight;  // sent, unacknowledged; in send order
  LazyDeque<Outgoing> queue;     // waiting for the inflight window
  LazyMap<uint16_t, InboundQos2> inbound_qos2;  // QoS 2 ids received, PUBREL not yet seen
  Client* client = nullptr;         // the connection bound to it now, if any
  std::unique_ptr<Congestion> congestion;  // a pointer: rare, and idle sessions stay small
  std::unique_ptr<Backlog> backlog;  // persistent sessions whose queue went to disk
  // Messages owed and not yet sent: in memory and on disk.
  size_t queued() const { return queue.size() + (backlog ? backlog->count : 0); }
  // (An offline session's expiry deadline and a delayed will are the shard's:
  // SessionDeadlines.)

 private:
  std::string client_id_;
  // Packed into what alignment leaves after the pointers.
  uint16_t last_packet_id_ = 0;
  bool persistent_;
  uint32_t expiry_s_;
};

}  // namespace edgemq::core
