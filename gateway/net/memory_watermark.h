// Whether the gateway's memory is high: its RSS at or above
// memory_high_watermark, until it is back below 90 % of it. The gap keeps
// one connection's worth of memory from flipping the state (and the log
// line each flip writes) on every sample. Pure: the caller samples RSS.
#pragma once

#include <cstdint>

namespace edgemq::net {

class MemoryWatermark {
 public:
  enum class Change : uint8_t { None, Rose, Fell };
  // RSS below this share of the watermark ends the high state.
  static constexpr uint64_t kClearPercent = 90;

  // One sample against `watermark` bytes (0: off, never high).
  Change observe(uint64_t rss, uint64_t watermark) {
    if (!high_ && watermark != 0 && rss >= watermark) {
      high_ = true;
      return Change::Rose;
    }
    if (high_ && (watermark == 0 || rss < clear_line(watermark))) {
      high_ = false;
      return Change::Fell;
    }
    return Change::None;
  }
  bool high() const { return high_; }
  static uint64_t clear_line(uint64_t watermark) { return watermark / 100 * kClearPercent; }

 private:
  bool high_ = false;
};

}  // namespace edgemq::net
