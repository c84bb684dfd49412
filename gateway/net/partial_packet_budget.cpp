#include "gateway/net/partial_packet_budget.h"

namespace edgemq::net {

void PartialPacketBudget::charge(uint64_t before, uint64_t after) {
  if (after > before) {
    held_.fetch_add(after - before, std::memory_order_relaxed);
  } else if (before > after) {
    held_.fetch_sub(before - after, std::memory_order_relaxed);
    released_.fetch_add(before - after, std::memory_order_relaxed);
  }
}

bool PartialPacketBudget::over() const {
  return memory_high_.load(std::memory_order_relaxed) || held() >= limit();
}

bool PartialPacketBudget::holds_back(uint64_t holding) const {
  if (holding <= kSmallRead) return false;
  // Hysteresis: resuming at the budget itself would pause and resume the
  // same connections on every read.
  return memory_high_.load(std::memory_order_relaxed) || held() >= limit() / 4 * 3;
}

}  // namespace edgemq::net
