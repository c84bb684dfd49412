// Queues on disk (docs/architecture.md, "Queues on disk"): a persistent
// session's stored messages that do not fit its memory window stay in the
// store and are read back in seq order as its client takes messages.
//
// Why this is exact: every stored message's record is submitted before its
// delivery is handed to this shard, and reads run on the committer's thread
// behind every set submitted before them, up to a horizon below which no
// record can still be on its way (Broker::read_horizon). So a read sees
// every record below the cursor it returns, and a delivery arriving with a
// seq below the cursor was read back already; one at or above it will be.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"

namespace edgemq::core {

namespace {

bool holds(LazyDeque<Outgoing>& owed, uint64_t seq) {
  return std::any_of(owed.begin(), owed.end(), [seq](const Outgoing& o) { return o.seq == seq; });
}

// The seqs at or above `from` that `s` holds in memory: a read skips them.
std::vector<uint64_t> seqs_in_memory(Session& s, uint64_t from) {
  std::vector<uint64_t> seqs;
  for (auto* owed : {&s.inflight, &s.queue}) {
    for (const Outgoing& o : *owed) {
      if (o.seq >= from) seqs.push_back(o.seq);
    }
  }
  return seqs;
}

}  // namespace

bool Shard::leave_to_store(Session& s, Outgoing& o) {
  Backlog* b = s.backlog.get();  // (a delivery below its cursor never gets here: Shard::deliver)
  if (b == nullptr || !b->active) {
    // Fits in memory: an online client's window, or a short read-ahead behind it.
    if (s.client != nullptr && s.queue.size() < read_ahead(s)) return false;
    if (b == nullptr) {
      s.backlog = std::make_unique<Backlog>();
      b = s.backlog.get();
      // A session made since the start has no record from before it.
      b->cursor = broker_.start_seq() + 1;
    }
    b->active = true;
  }
  const uint64_t bytes = queued_bytes(o.msg->topic.size(), o.msg->payload.size());
  const bool session_full = b->bytes + bytes > limits_.max_queued_bytes;
  const bool store_full =
      broker_.backlog_bytes().load(std::memory_order_relaxed) + bytes > limits_.max_queued_bytes_total;
  if (session_full || store_full) {
    note_bound(s, true, session_full ? "max_queued_bytes" : "max_queued_bytes_total");
    if (limits_.queue_full_policy == Limits::QueueFullPolicy::DropNewest || b->count == 0) {
      // Refuse the newest (or, with nothing older on disk, this one).
      ++b->dropped;
      Stats::add(broker_.stats().dropped_queue_bytes);
      forget(s, o);
      return true;
    }
    b->trim_wanted = true;  // drop the oldest: after this one is counted in
  } else if (b->over_bound && b->bytes + bytes < limits_.max_queued_bytes / 10 * 9) {
    note_bound(s, false, {});
  }
  ++b->count;
  b->bytes += bytes;
  b->max_seq = std::max(b->max_seq, o.seq);
  broker_.backlog_bytes().fetch_add(bytes, std::memory_order_relaxed);
  if (b->trim_wanted) trim(s);
  refill(s);  // an online session may have room while its first read is due
  return true;
}

void Shard::refill(Session& s) {
  Backlog* b = s.backlog.get();
  if (b == nullptr || !b->active || b->busy || s.client == nullptr) return;
  const size_t want = read_ahead(s);
  if (s.queue.size() > want / 2) return;  // read in batches of at least half the read-ahead
  const uint64_t token = begin_backlog_op(*b);
  Stats::add(broker_.stats().queue_reads);
  broker_.read_queue(s.client_id(), b->cursor, want - s.queue.size(), seqs_in_memory(s, b->cursor), index_,
                     [id = s.client_id(), token](Shard& shard, Broker::QueueRead&& read) {
                       shard.refilled(id, token, std::move(read));
                     });
}

uint64_t Shard::begin_backlog_op(Backlog& b) {
  b.busy = true;
  return b.op_token = ++backlog_ops_;
}

Session* Shard::end_backlog_op(const std::string& client_id, uint64_t token) {
  Session* s = sessions_.find(client_id);
  // The session ended (and maybe began again) while the read or trim was on its way.
  if (s == nullptr || !s->backlog || s->backlog->op_token != token) return nullptr;
  s->backlog->busy = false;
  return s;
}

void Shard::refilled(const std::string& client_id, uint64_t token, Broker::QueueRead&& read) {
  Session* found = end_backlog_op(client_id, token);
  if (found == nullptr) return;
  Session& s = *found;
  Backlog& b = *s.backlog;
  if (!read.status.message.empty() && broker_.notice) {
    broker_.notice("queue of " + client_id + ": " + read.status.message);  // corrupt records skipped
  }
  const uint64_t cursor_before = b.cursor;
  size_t taken = 0;
  for (storage::QueuedMessage& q : read.messages) {
    // The read left out what was in memory when it was asked for; nothing
    // enters memory from the store meanwhile (one read at a time), so this
    // is only a guard.
    if (holds(s.inflight, q.seq) || holds(s.queue, q.seq)) continue;
    if (q.state != storage::DeliveryState::Pending) {
      // Sent or received, yet not in flight: its delete failed with a store
      // write (every live one is in memory). Sending it again would deliver
      // a finished QoS 2 message twice; delete it again instead.
      forget(s, Outgoing{nullptr, q.qos, q.seq});
      continue;
    }
    const uint64_t bytes = queued_bytes(q.topic.size(), q.payload.size());
    const uint64_t owned = std::min(bytes, b.bytes);
    b.bytes -= owned;
    broker_.backlog_bytes().fetch_sub(owned, std::memory_order_relaxed);
    if (b.count > 0) --b.count;
    s.queue.push_back(outgoing_from(std::move(q)));
    ++taken;
  }
  b.cursor = std::max(b.cursor, read.next);
  if (read.complete && b.max_seq < b.cursor) {
    // Drained: what arrives from now on fits in memory again.
    b.active = false;
    b.trim_wanted = false;  // a trim now could only hit deliveries on their way
    settle_backlog(b);
    note_bound(s, false, {});
  }
  if (b.trim_wanted) trim(s);
  const bool moved = taken > 0 || b.cursor != cursor_before;
  if (!moved && b.active && !b.busy) {
    // Left to the store, not visible to a read yet: try again at the tick
    // rather than spin through the committer.
    read_retries_.push_back(client_id);
    return;
  }
  pump(s);  // sends what was read, then refills again if it has room
}

void Shard::trim(Session& s) {
  Backlog& b = *s.backlog;
  if (b.busy) return;  // after the read on its way: a trim must not race it
  b.trim_wanted = false;
  if (!b.active) return;
  const uint64_t over_session = b.bytes > limits_.max_queued_bytes ? b.bytes - limits_.max_queued_bytes : 0;
  const uint64_t total = broker_.backlog_bytes().load(std::memory_order_relaxed);
  const uint64_t over_total = total > limits_.max_queued_bytes_total ? total - limits_.max_queued_bytes_total : 0;
  // At most kTrimBytes a task: the committer's thread does it, and every
  // commit waits meanwhile (a reload that lowers the bound a lot).
  constexpr uint64_t kTrimBytes = 4 << 20;
  const uint64_t need = std::min(std::max(over_session, over_total), kTrimBytes);
  if (need == 0) return;
  const uint64_t token = begin_backlog_op(b);
  broker_.trim_queue(s.client_id(), b.cursor, seqs_in_memory(s, b.cursor), need, index_,
                     [id = s.client_id(), token](Shard& shard, Broker::QueueTrim&& t) {
                       shard.trimmed(id, token, std::move(t));
                     });
}

void Shard::trimmed(const std::string& client_id, uint64_t token, Broker::QueueTrim&& t) {
  Session* found = end_backlog_op(client_id, token);
  if (found == nullptr) return;
  Session& s = *found;
  Backlog& b = *s.backlog;
  if (!t.status.ok && broker_.notice) {
    broker_.notice("queue of " + client_id + ": dropping the oldest failed: " + t.status.message);
  }
  const uint64_t owned = std::min(t.bytes, b.bytes);
  b.bytes -= owned;
  broker_.backlog_bytes().fetch_sub(owned, std::memory_order_relaxed);
  b.count -= std::min(t.dropped, b.count);
  b.dropped += t.dropped;
  // Everything below where it stopped was deleted or is in memory; a late
  // delivery of a deleted one is then known on arrival, and the next trim
  // does not walk the tombstones again.
  b.cursor = std::max(b.cursor, t.next);
  Stats::add(broker_.stats().dropped_queue_bytes, t.dropped);
  if (b.bytes > limits_.max_queued_bytes ||
      broker_.backlog_bytes().load(std::memory_order_relaxed) > limits_.max_queued_bytes_total) {
    b.trim_wanted = true;  // more than one task's worth
  } else if (b.bytes < limits_.max_queued_bytes / 10 * 9) {
    note_bound(s, false, {});
  }
  if (b.trim_wanted) {
    trim(s);
  } else {
    refill(s);
  }
}

void Shard::note_bound(Session& s, bool at, std::string_view which) {
  Backlog& b = *s.backlog;
  if (b.over_bound == at) return;
  b.over_bound = at;
  if (!broker_.notice) return;
  if (at) {
    broker_.notice("queue of " + s.client_id() + " reached " + std::string(which) + ": " +
           (limits_.queue_full_policy == Limits::QueueFullPolicy::DropNewest ? "new messages are dropped"
                                                                             : "the oldest messages are dropped") +
           " until it drains (dropped{cause=\"queue_bytes\"})");
  } else {
    broker_.notice("queue of " + s.client_id() + " is below its bound again; " + std::to_string(b.dropped) +
           " messages dropped so far");
  }
}

void Shard::settle_backlog(Backlog& b) {
  broker_.backlog_bytes().fetch_sub(b.bytes, std::memory_order_relaxed);
  b.bytes = 0;
  b.count = 0;
}

void Shard::retry_reads() {
  if (read_retries_.empty()) return;
  std::vector<std::string> ids;
  ids.swap(read_retries_);
  for (const std::string& id : ids) {
    if (Session* s = sessions_.find(id)) refill(*s);
  }
}

}  // namespace edgemq::core
