// When to hand the C library's free heap memory back to the system
// (trim_heap). glibc keeps what is freed in its arenas: after 2,000
// connections holding 1 MiB partial packets had gone, RSS stayed at 2 GB.
// Trimming walks every arena under its lock, so it is worth doing only
// when much was freed (partial packet buffers, counted by the budget), at
// most once a second; and, while memory is above the watermark, every few
// seconds whatever was counted, as the shedding frees memory the budget
// does not see (output buffers, queued messages). Pure: the caller says
// the time and what was released.
#pragma once

#include <cstdint>

namespace edgemq::net {

class HeapTrimPolicy {
 public:
  static constexpr uint64_t kReleasedBytes = 8ull << 20;
  static constexpr uint64_t kMinIntervalMs = 1000;
  static constexpr uint64_t kHighIntervalMs = 5000;

  // `released`: bytes freed since the previous call. True when a trim is
  // due now; the caller then trims.
  bool due(uint64_t now_ms, uint64_t released, bool memory_high) {
    released_ += released;
    const uint64_t since = now_ms - last_ms_;
    const bool due = (released_ >= kReleasedBytes && since >= kMinIntervalMs) ||
                     (memory_high && since >= kHighIntervalMs);
    if (due) {
      released_ = 0;
      last_ms_ = now_ms;
    }
    return due;
  }

 private:
  uint64_t released_ = 0;  // since the last trim
  uint64_t last_ms_ = 0;
};

}  // namespace edgemq::net
