#include "storage/wal_losses.h"

#include <utility>
#include <vector>

#include "storage/keys.h"
#include "storage/records.h"

namespace edgemq::storage {

LossTally::LossTally(wal::FamilyIds ids, std::map<uint32_t, uint64_t> family_logs)
    : ids_(std::move(ids)), family_logs_(std::move(family_logs)) {}

void LossTally::add(uint64_t log_number, const wal::Record& r, bool lost) {
  if (lost) {
    ++counts_.records;
    counts_.bytes += r.end - r.offset;
  }
  // Counted only if the whole batch decodes: half a damaged batch is a guess.
  std::vector<wal::Op> ops;
  const Status s = wal::for_each_op(r.payload, ids_, [&](const wal::Op& op) { ops.push_back(op); });
  if (!s.ok) {
    if (lost) {
      ++counts_.unreadable_records;
      counts_.unreadable_bytes += r.end - r.offset;
      gap_open_ = true;
    }
    return;
  }
  for (const wal::Op& op : ops) count(log_number, op, lost);
  if (lost && !r.verified) ++counts_.unverified_records;
  follow_sequence(r);
}

// A verified header is trusted; the operations between the last trusted
// record and this one belong to records that could not be read.
void LossTally::follow_sequence(const wal::Record& r) {
  if (!r.verified) return;
  const std::optional<wal::BatchHeader> h = wal::read_batch_header(r.payload);
  if (!h) return;
  if (gap_open_ && next_sequence_ != 0 && h->sequence > next_sequence_) {
    counts_.unreadable_operations += h->sequence - next_sequence_;
  }
  gap_open_ = false;
  next_sequence_ = h->sequence + h->count;
}

void LossTally::count(uint64_t log_number, const wal::Op& op, bool lost) {
  if (auto it = family_logs_.find(op.family_id); it != family_logs_.end() && log_number < it->second) {
    return;  // already in that family's table files: recovery skips it
  }
  if (!op.family) {
    if (lost && op.family_id != 0) ++counts_.other;
    return;
  }
  switch (*op.family) {
    case Family::Queue: return queue_op(op, lost);
    case Family::Sessions:
      if (lost && op.kind == wal::OpKind::Put) ++counts_.session_updates;
      if (lost && op.kind == wal::OpKind::Delete) ++counts_.session_removals;
      return;
    case Family::Retained:
      if (lost && op.kind != wal::OpKind::DeleteRange) ++counts_.retained;
      return;
    case Family::Inbound:
      if (lost && op.kind != wal::OpKind::DeleteRange) ++counts_.inbound_qos2;
      return;
    case Family::Meta:
      return;  // the queue-seq mark; recomputed after a salvage
  }
}

void LossTally::queue_op(const wal::Op& op, bool lost) {
  const std::string key(op.key);
  switch (op.kind) {
    case wal::OpKind::Put: {
      new_messages_.erase(key);
      marks_.erase(key);
      if (!lost) return;  // the message is there, in this record's state
      QueuedMessage m;
      const std::optional<keys::QueueKey> k = keys::parse_queue_key(key);
      const bool mark = k && records::decode_queued(k->seq, op.value, m).ok && m.state != DeliveryState::Pending;
      (mark ? marks_ : new_messages_).insert(key);
      return;
    }
    case wal::OpKind::Delete:
      marks_.erase(key);
      if (new_messages_.erase(key) > 0) return;  // delivered and acknowledged: nobody is owed it
      if (lost) {
        acks_.insert(key);
      } else {
        acks_.erase(key);
      }
      return;
    case wal::OpKind::DeleteRange:  // a session removed: what it was owed is moot
      erase_range(new_messages_, op.key, op.value);
      erase_range(marks_, op.key, op.value);
      return;
    case wal::OpKind::Other:
      if (lost) ++counts_.other;
      return;
  }
}

void LossTally::erase_range(std::set<std::string>& keys, std::string_view begin, std::string_view end) {
  keys.erase(keys.lower_bound(std::string(begin)), keys.lower_bound(std::string(end)));
}

LossCounts LossTally::result() const {
  LossCounts c = counts_;
  c.queued_messages = new_messages_.size();
  c.delivery_marks = marks_.size();
  c.acknowledgements = acks_.size();
  return c;
}

}  // namespace edgemq::storage
