// A delivery on its way from the shard that routed a message to the home
// shard of one subscriber, and the batches they travel in.
//
// Deliveries to another shard are not posted one by one: the routing shard
// appends them to its outbox for that shard (no lock: only its own thread
// touches it) and hands the whole outbox over once per loop turn, in one
// locked swap and one wake-up (Broker::flush_deliveries, ShardPoster::hand_off).
// One origin's batches to one target arrive in the order they were handed
// over and are delivered in order, so one publisher's messages reach one
// subscriber in publish order [MQTT-4.6.0-5/6].
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/ack_gate.h"
#include "gateway/core/message.h"

namespace edgemq::core {

class Shard;

// What few deliveries carry besides the message: MQTT 5 subscription
// identifiers, and the shared subscription it was routed by. Behind a
// pointer (null for most) so that a delivery stays small; shared, as it
// travels on into the session's queue.
struct DeliveryExtras {
  std::vector<uint32_t> subscription_ids;  // sent with the PUBLISH [MQTT-3.3.4-3]
  std::string shared_filter;  // "$share/g/f": another member may take it if this one leaves
};
using DeliveryExtrasPtr = std::shared_ptr<const DeliveryExtras>;

struct Delivery {
  MessagePtr msg;
  std::string client_id;
  uint8_t qos = 0;   // as granted: min(subscription, message)
  bool retain = false;  // the PUBLISH's RETAIN flag: a retain-as-published subscription's [MQTT-3.3.1-12]
  uint64_t seq = 0;  // its queue record for a persistent subscriber, else 0
  AckGatePtr gate;   // set when the subscriber was congested at routing: hold it until there is room
  DeliveryExtrasPtr extras{};
};

using DeliveryBatch = std::vector<Delivery>;

// Moves every record of `from` behind those of `into`, leaving `from` empty.
// When `into` is empty the two just swap, so no record is moved and capacity
// goes back and forth between origin and target instead of being reallocated.
void append_batch(DeliveryBatch& into, DeliveryBatch& from);

// Delivers every record of `batch` on `shard`, in order, then empties it. A
// batch that grew past a few thousand records is replaced by a small one:
// capacity is reused turn after turn, but an idle pair of shards does not
// keep the memory of its busiest turn.
void deliver_batch(Shard& shard, DeliveryBatch& batch);

}  // namespace edgemq::core
