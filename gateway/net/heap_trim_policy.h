// When to hand the C library's free heap memory back to the system
// (trim_heap). glibc keeps what is freed in its arenas: after 2,000
// connections holding 1 MiB partial packets had gone, RSS stayed at 2 GB.
// Trimming walks every arena under its lock, so it is worth doing only
// when much was freed (partial packet buffers, counted by the budget), at
// most once a second; and, while memory is above the watermark, every few
// seconds whatever was counted, as the shedding frees memory the budget
// does not see (output buffers, queued messages). And, looked at every ten
// seconds, whatever the heap holds free once a burst is over: 19,000
// publishers at once (their messages, hand-offs and store batches in
// flight) left ~700 MB of RSS behind that nothing else trimmed. "Over":
// at least kFreeBytes free and twice what is in use, because a trim walks
// every arena under its lock (up to 120 ms measured under that load, on a
// worker's loop) and under load the free memory is reused anyway. Pure:
// the caller says the time and what was released.
#pragma once

#include <cstdint>

namespace edgemq::net {

class HeapTrimPolicy {
 public:
  static constexpr uint64_t kReleasedBytes = 8ull << 20;
  static constexpr uint64_t kMinIntervalMs = 1000;
  static constexpr uint64_t kHighIntervalMs = 5000;
  // How often the caller looks at the heap's free bytes, and how many make
  // a trim worth it.
  static constexpr uint64_t kFreeCheckIntervalMs = 10000;
  static constexpr uint64_t kFreeBytes = 32ull << 20;

  // Whether to look at the heap's free and used bytes now.
  bool free_check_due(uint64_t now_ms) {
    if (now_ms - last_free_check_ms_ < kFreeCheckIntervalMs) return false;
    last_free_check_ms_ = now_ms;
    return true;
  }
  // What of a heap with `free` and `used` bytes counts as released: all of
  // the free bytes once a burst is over, else nothing.
  static uint64_t idle_release(uint64_t free, uint64_t used) {
    return free >= kFreeBytes && free >= 2 * used ? free : 0;
  }

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
  uint64_t last_free_check_ms_ = 0;
};

}  // namespace edgemq::net
