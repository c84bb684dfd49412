// Per-subscriber bookkeeping of what arrived from each publisher. Sequence
// numbers from one publisher start at 0 and rise by one, so a subscriber can
// tell, per publisher stream: a new message, a late one that fills an earlier
// gap (reordered), or one it already had (duplicate). Loss is what is left
// once the parent compares what arrived with what was sent.
//
// Gaps are remembered exactly up to kMaxGaps per stream; a message that fills
// an older, forgotten gap is counted as a duplicate and its gap as lost, which
// only happens after thousands of messages went missing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace edgemq::bench {

struct StreamTotals {
  uint64_t distinct = 0;    // messages that arrived at least once
  uint64_t duplicates = 0;  // arrivals of a message already counted
  uint64_t reordered = 0;   // arrivals after a later message of the same publisher
  uint64_t streams = 0;     // (subscriber, publisher) pairs that saw anything

  void add(const StreamTotals& o) {
    distinct += o.distinct;
    duplicates += o.duplicates;
    reordered += o.reordered;
    streams += o.streams;
  }
};

class StreamTracker {
 public:
  static constexpr size_t kMaxGaps = 4096;

  void on_message(uint32_t publisher, uint32_t seq);
  const StreamTotals& totals() const { return totals_; }

 private:
  struct Stream {
    uint32_t next = 0;            // one above the highest seq seen
    std::vector<uint32_t> gaps;   // seqs below `next` not seen yet
  };
  std::unordered_map<uint32_t, Stream> streams_;
  StreamTotals totals_;
};

}  // namespace edgemq::bench
