// WriteSet: records are encoded here, on the submitting thread, so the
// committer thread only copies bytes into a RocksDB batch.
#include <algorithm>
#include <iterator>

#include "storage/keys.h"
#include "storage/records.h"
#include "storage/store.h"

namespace edgemq::storage {

void WriteSet::put_retained(const RetainedMessage& m) {
  add({Kind::Put, Family::Retained, keys::retained_key(m.topic),
                  records::encode_retained(m)});
}

void WriteSet::delete_retained(std::string_view topic) {
  add({Kind::Delete, Family::Retained, keys::retained_key(topic), {}});
}

void WriteSet::put_session(const SessionRecord& s) {
  add({Kind::Put, Family::Sessions, keys::session_key(s.client_id),
                  records::encode_session(s)});
}

void WriteSet::delete_session(std::string_view client_id) {
  add({Kind::Delete, Family::Sessions, keys::session_key(client_id), {}});
  // One range tombstone instead of a delete per queued message: the caller
  // need not know what is queued, and it stays one op however long the queue.
  add({Kind::DeleteRange, Family::Queue, keys::queue_begin(client_id),
                  keys::queue_end(client_id)});
  add({Kind::DeleteRange, Family::Inbound, keys::queue_begin(client_id),
                  keys::queue_end(client_id)});
}

void WriteSet::put_inbound_qos2(std::string_view client_id, uint16_t packet_id) {
  add({Kind::Put, Family::Inbound, keys::inbound_key(client_id, packet_id),
                  records::encode_inbound()});
}

void WriteSet::delete_inbound_qos2(std::string_view client_id, uint16_t packet_id) {
  add({Kind::Delete, Family::Inbound, keys::inbound_key(client_id, packet_id), {}});
}

void WriteSet::put_queued(std::string_view client_id, const QueuedMessage& m) {
  add({Kind::Put, Family::Queue, keys::queue_key(client_id, m.seq),
                  records::encode_queued(m)});
  max_seq_ = std::max(max_seq_, m.seq);
}

void WriteSet::delete_queued(std::string_view client_id, uint64_t seq) {
  add({Kind::Delete, Family::Queue, keys::queue_key(client_id, seq), {}});
}

void WriteSet::append(WriteSet&& other) {
  if (ops_.empty()) {
    ops_ = std::move(other.ops_);
  } else {
    ops_.insert(ops_.end(), std::make_move_iterator(other.ops_.begin()),
                std::make_move_iterator(other.ops_.end()));
  }
  max_seq_ = std::max(max_seq_, other.max_seq_);
  bytes_ += other.bytes_;
  other.ops_.clear();
  other.max_seq_ = 0;
  other.bytes_ = 0;
}

void WriteSet::add(Op&& op) {
  bytes_ += op.key.size() + op.value.size();
  ops_.push_back(std::move(op));
}

}  // namespace edgemq::storage
