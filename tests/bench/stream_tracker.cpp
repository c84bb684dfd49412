#include "tests/bench/stream_tracker.h"

#include <algorithm>

namespace edgemq::bench {

void StreamTracker::on_message(uint32_t publisher, uint32_t seq) {
  auto [it, fresh] = streams_.try_emplace(publisher);
  if (fresh) ++totals_.streams;
  Stream& s = it->second;
  if (seq >= s.next) {
    for (uint32_t missing = s.next; missing < seq && s.gaps.size() < kMaxGaps; ++missing) {
      s.gaps.push_back(missing);
    }
    s.next = seq + 1;
    ++totals_.distinct;
    return;
  }
  const auto gap = std::find(s.gaps.begin(), s.gaps.end(), seq);
  if (gap == s.gaps.end()) {
    ++totals_.duplicates;
    return;
  }
  s.gaps.erase(gap);
  ++totals_.distinct;
  ++totals_.reordered;
}

}  // namespace edgemq::bench
