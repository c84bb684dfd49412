// A publisher's PUBACK/PUBREC that waits for more than the store commit: for
// every congested subscriber queue the message went to to have room again.
//
// Why: once the gateway acknowledges a QoS 1/2 message it owes it to every
// subscriber. Dropping it at a full queue breaks that; holding the
// acknowledgement instead makes the publisher's own window (and, for clients
// without one, max_pending_acks) the flow control, so memory stays bounded
// and nothing acknowledged is dropped. See docs/architecture.md, "Overload".
//
// A gate starts with one hold (the route itself, or its store commit) and
// gets one more per congested target before it is handed to any other
// thread. Each holder releases it exactly once, from any thread; the last
// release runs `done` on the publisher's shard.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "storage/store.h"

namespace edgemq::core {

class Broker;
class Shard;

class AckGate {
 public:
  using Done = std::function<void(Shard&, const storage::Status&)>;

  AckGate(Broker& broker, size_t origin_shard, Done done)
      : broker_(broker), origin_(origin_shard), done_(std::move(done)) {}

  // Only before the gate is shared with another thread.
  void hold() { holds_.fetch_add(1, std::memory_order_relaxed); }
  // The store commit's release carries its status; the others pass none.
  void release(const storage::Status* commit_status = nullptr);

 private:
  Broker& broker_;
  size_t origin_;
  Done done_;
  storage::Status status_;  // written once, by the commit's release, before its decrement
  std::atomic<uint32_t> holds_{1};
};

using AckGatePtr = std::shared_ptr<AckGate>;

}  // namespace edgemq::core
