// A persistent session's queue on disk: the little a session keeps in
// memory about the messages that wait only in the store.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgemq::core {

// A persistent session's queue on disk (docs/architecture.md, "Queues on
// disk"). Its stored messages are records in the store; in store mode
// (`active`) memory holds only the inflight window and a short read-ahead,
// refilled from the store in seq order as the client takes messages, and
// stored messages that arrive are left to the store and only counted. Made
// the first time the session's messages do not fit in memory, and kept for
// the session's life: `cursor` tells apart a delivery already read back from
// the store (it may arrive after its record was read) from a new one.
struct Backlog {
  uint64_t cursor = 0;    // records below it were read back, or are in memory
  uint64_t max_seq = 0;   // highest seq left to the store
  // Messages and bytes left to the store and not read back yet: exact once
  // drained; meanwhile a record read before its delivery arrived is not
  // counted twice, only once less (the arrival is then known as read).
  uint64_t count = 0;
  uint64_t bytes = 0;
  uint64_t dropped = 0;     // messages dropped at max_queued_bytes or the total quota
  uint64_t op_token = 0;    // the read or trim on its way, to tell a stale completion
  bool active = false;      // store mode
  bool busy = false;        // a read or trim is on its way (one at a time)
  bool trim_wanted = false; // over a bound with drop-oldest: trim once not busy
  bool over_bound = false;  // in an episode at a bound (logged once)
};

// What one queued message counts against max_queued_bytes: its topic and
// payload, and a fixed share for key, properties and framing.
inline uint64_t queued_bytes(size_t topic, size_t payload) { return topic + payload + 32; }

}  // namespace edgemq::core
