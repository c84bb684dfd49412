#include "gateway/core/ack_gate.h"

#include "gateway/core/broker.h"

namespace edgemq::core {

void AckGate::release(const storage::Status* commit_status) {
  if (commit_status != nullptr) status_ = *commit_status;
  // acq_rel: the last releaser sees the commit's status whoever wrote it.
  if (holds_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  broker_.post(origin_, [done = std::move(done_), status = status_](Shard& s) { done(s, status); });
}

}  // namespace edgemq::core
