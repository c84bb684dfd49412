// Latency histogram with log-linear buckets: 32 buckets per power of two, so any
// value is reported within about 3% of what was recorded, from 1 ns to hours,
// in a fixed 16 KiB. Worker processes each fill one and the parent merges them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace edgemq::bench {

class Histogram {
 public:
  static constexpr int kSubBuckets = 32;
  static constexpr int kBuckets = 60 * kSubBuckets;

  void record(uint64_t value);
  void merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // The value below which `fraction` (0..1] of the recorded values lie; 0 if empty.
  uint64_t percentile(double fraction) const;

  // One line, "index:count" pairs for the non-empty buckets plus count and max;
  // parse() reads it back. Used on the worker-to-parent pipe.
  std::string serialize() const;
  bool parse(const std::string& line);

  static int bucket_of(uint64_t value);
  static uint64_t bucket_low(int index);
  static uint64_t bucket_high(int index);  // exclusive

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace edgemq::bench
