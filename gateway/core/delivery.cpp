#include "gateway/core/delivery.h"

#include <iterator>

#include "gateway/core/shard.h"

namespace edgemq::core {
namespace {
// Kept capacity per batch vector: 1024 records of 88 B. Each ordered pair of
// shards circulates at most three such vectors (outbox, inbox, draining).
constexpr size_t kKeptRecords = 1024;
}  // namespace

void append_batch(DeliveryBatch& into, DeliveryBatch& from) {
  if (into.empty()) {
    into.swap(from);
    return;
  }
  into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  from.clear();
}

void deliver_batch(Shard& shard, DeliveryBatch& batch) {
  for (Delivery& d : batch) shard.deliver(d);
  batch.clear();  // releases the messages now, not when the vector is next used
  if (batch.capacity() > kKeptRecords) {
    DeliveryBatch small;
    small.reserve(kKeptRecords);
    batch.swap(small);
  }
}

}  // namespace edgemq::core
