// At most a burst of log lines a minute from one source that can repeat
// itself (a failing disk, thousands of queues at a bound); the rest are
// counted, and the count is said with the next line let through.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace edgemq::net {

class LogBurst {
 public:
  explicit LogBurst(uint64_t per_minute) : per_minute_(per_minute) {}

  // Whether a line may be logged now; if so, `suppressed` is how many were
  // not since the last one that was. Any thread.
  bool admit(uint64_t& suppressed) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::minutes(1)) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (++in_window_ > per_minute_) {
      ++suppressed_;
      return false;
    }
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }
  uint64_t per_minute() const { return per_minute_; }

 private:
  const uint64_t per_minute_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_{};
  uint64_t in_window_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace edgemq::net
